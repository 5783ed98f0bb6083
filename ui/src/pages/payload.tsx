// A JSON payload, cut when large, with "show all" and copy. Always rendered as text.
import { useState } from 'react';

const CUT = 2_000;

export function Payload({ title, value }: { title: string; value: unknown }) {
  const [all, setAll] = useState(false);
  if (value === undefined) return null;
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  const long = text.length > CUT;
  return (
    <div className="payload">
      <div className="payload-head">
        <strong>{title}</strong>
        {long && (
          <button type="button" onClick={() => setAll(!all)}>
            {all ? 'Cut' : `Show all (${text.length} chars)`}
          </button>
        )}
        <button type="button" onClick={() => void navigator.clipboard?.writeText(text)}>
          Copy
        </button>
      </div>
      <pre data-testid={`payload-${title.toLowerCase().replace(/\s+/g, '-')}`}>
        {long && !all ? `${text.slice(0, CUT)}…` : text}
      </pre>
    </div>
  );
}
