// RFC 6901 JSON pointers, the location every problem carries whatever the source format.

export type PointerSegment = string | number;

export function pointerOf(segments: readonly PointerSegment[]): string {
  return segments.map((segment) => '/' + String(segment).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

export function childPointer(parent: string, segment: PointerSegment): string {
  return parent + pointerOf([segment]);
}

export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}
