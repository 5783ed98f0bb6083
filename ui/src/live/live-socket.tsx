// The console's connection to /ws: reconnects by itself with a growing back-off, reports its state for the
// "reconnecting" badge, and resumes from the cursor of the last message it got, so the server replays what was
// missed. When the server cannot (another instance, too old) it says so and the page fills the gap from REST.
import { useEffect, useRef, useState } from 'react';
import { storedCredential } from '../api';

export interface LiveEvent {
  event_id: string;
  execution_id: string;
  workflow: string;
  workflow_version: number;
  seq: number;
  type: string;
  step_id: string | null;
  attempt: number | null;
  status: string;
  data: unknown;
  timestamp: string;
  cursor?: string;
}

export type LiveState = 'connecting' | 'live' | 'reconnecting';

export interface LiveFilter {
  executionId?: string;
  workflow?: string;
}

export function liveUrl(filter: LiveFilter, cursor?: string, location: Location = window.location): string {
  const url = new URL('/ws', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  if (filter.executionId) url.searchParams.set('execution_id', filter.executionId);
  if (filter.workflow) url.searchParams.set('workflow', filter.workflow);
  if (cursor) url.searchParams.set('cursor', cursor);
  const credential = storedCredential();
  // Browsers cannot set headers on a WebSocket: the bearer token travels as access_token.
  if (credential?.kind === 'bearer') url.searchParams.set('access_token', credential.value);
  return url.toString();
}

/** An API key travels as a subprotocol, out of the URL (and so out of access logs). */
export function liveProtocols(): string[] | undefined {
  const credential = storedCredential();
  return credential?.kind === 'api-key'
    ? ['percolator', `percolator.api-key.${credential.value}`]
    : undefined;
}

/**
 * Subscribes to lifecycle events. `onSubscribed` runs after every (re)subscription with `resumed`: true when the
 * server replays what this page missed (it follows at once), false when it could not (first connection, or a
 * cursor it no longer holds): then what the page fetches from REST at that moment closes the gap, and the page
 * de-duplicates by seq.
 */
export function useLiveEvents(
  filter: LiveFilter,
  onEvent: (event: LiveEvent) => void,
  onSubscribed?: (resumed: boolean) => void,
): LiveState {
  const [state, setState] = useState<LiveState>('connecting');
  const handlers = useRef({ onEvent, onSubscribed });
  handlers.current = { onEvent, onSubscribed };
  const key = `${filter.executionId ?? ''}|${filter.workflow ?? ''}`;

  useEffect(() => {
    let socket: WebSocket | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    let failures = 0;
    let cursor: string | undefined;
    const connect = () => {
      socket = new WebSocket(liveUrl(filter, cursor), liveProtocols());
      socket.onmessage = (message) => {
        let parsed: { type?: string; resumed?: boolean } & Partial<LiveEvent>;
        try {
          parsed = JSON.parse(String(message.data)) as typeof parsed;
        } catch {
          return;
        }
        if (typeof parsed.cursor === 'string') cursor = parsed.cursor;
        if (parsed.type === 'subscribed') {
          failures = 0;
          setState('live');
          handlers.current.onSubscribed?.(parsed.resumed === true);
          return;
        }
        if (typeof parsed.execution_id === 'string') handlers.current.onEvent(parsed as LiveEvent);
      };
      socket.onclose = () => {
        if (closed) return;
        setState('reconnecting');
        failures += 1;
        timer = setTimeout(connect, Math.min(500 * 2 ** Math.min(failures, 4), 8_000));
      };
    };
    connect();
    return () => {
      closed = true;
      clearTimeout(timer);
      socket?.close();
    };
    // The filter is captured through its key: a new object with the same values must not reconnect.
  }, [key]);

  return state;
}

export function LiveBadge({ state }: { state: LiveState }) {
  return (
    <span className={`live-badge live-${state}`} data-testid="live-state" data-state={state}>
      {state === 'live' ? 'live' : state === 'connecting' ? 'connecting…' : 'reconnecting…'}
    </span>
  );
}
