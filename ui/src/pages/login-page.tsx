import { useState, type FormEvent } from 'react';
import { ApiError, credentialFrom } from '../api';
import { useSession } from '../session';

export function LoginPage() {
  const { signIn } = useSession();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(credentialFrom(text));
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.detail : String(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="login" onSubmit={submit}>
      <h1>Percolator console</h1>
      <label htmlFor="token">Bearer token (JWT) or API key</label>
      <textarea
        id="token"
        data-testid="login-token"
        rows={4}
        value={text}
        onChange={(event) => setText(event.target.value)}
        autoFocus
      />
      <button type="submit" data-testid="login-submit" disabled={busy}>
        Sign in
      </button>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <p className="hint">Kept in this tab only (sessionStorage). Mint one with `percolator token`.</p>
    </form>
  );
}
