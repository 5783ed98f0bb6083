// Strict UTF-8 decoding that says where the first bad byte is, instead of silently inserting U+FFFD.

export type DecodeResult =
  { readonly ok: true; readonly text: string } | { readonly ok: false; readonly byteOffset: number };

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export function decodeUtf8(bytes: Uint8Array): DecodeResult {
  try {
    return { ok: true, text: decoder.decode(bytes) };
  } catch {
    return { ok: false, byteOffset: firstInvalidByte(bytes) };
  }
}

// Only runs after the decoder refused the input, to locate the fault for the message.
function firstInvalidByte(bytes: Uint8Array): number {
  let index = 0;
  while (index < bytes.length) {
    const lead = bytes[index] as number;
    const length = sequenceLength(lead);
    if (length === 0) return index;
    if (index + length > bytes.length) return index;
    for (let k = 1; k < length; k++) {
      if (((bytes[index + k] as number) & 0xc0) !== 0x80) return index;
    }
    const second = bytes[index + 1] ?? 0;
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are invalid even when well-framed.
    if (lead === 0xe0 && second < 0xa0) return index;
    if (lead === 0xed && second >= 0xa0) return index;
    if (lead === 0xf0 && second < 0x90) return index;
    if (lead === 0xf4 && second >= 0x90) return index;
    index += length;
  }
  return bytes.length;
}

function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}
