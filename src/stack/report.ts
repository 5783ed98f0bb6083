// The one-line-per-service view shared by `stack up` and `stack status`.

export interface ServiceState {
  name: string;
  address: string;
  up: boolean;
  /** Set when the process is one the stack started. */
  pid?: number | undefined;
  note?: string | undefined;
}

export function formatState({ name, address, up, pid, note }: ServiceState): string {
  const columns = [
    name.padEnd(9),
    address.padEnd(22),
    (up ? 'up' : 'down').padEnd(5),
    (pid ? `pid ${pid}` : '-').padEnd(11),
  ];
  return [...columns, note ?? ''].join(' ').trimEnd();
}
