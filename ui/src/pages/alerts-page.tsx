export function AlertsPage() {
  return (
    <section>
      <header className="page-header">
        <h1>Alerts and notifications</h1>
      </header>
      <p className="muted">
        The API does not serve the alerts that <code>create_alert</code> stores, nor the dead letters, yet;
        this page will list them once it does (see docs/console.md).
      </p>
    </section>
  );
}
