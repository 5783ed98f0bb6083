// Layout and routes. Every page has its own URL (deep links); the designer loads lazily so the dashboard's
// first load stays small.
import { lazy, Suspense, useEffect, useState } from 'react';
import { NavLink, Navigate, Route, Routes } from 'react-router';
import { AgentsPage } from './pages/agents-page';
import { AlertsPage } from './pages/alerts-page';
import { ExecutionPage } from './pages/execution-page';
import { ExecutionsPage } from './pages/executions-page';
import { LoginPage } from './pages/login-page';
import { OverviewPage } from './pages/overview-page';
import { WorkflowsPage } from './pages/workflows-page';
import { useSession } from './session';

const DesignerPage = lazy(() => import('./designer/designer-page'));
const VersionsPage = lazy(() => import('./designer/versions-page'));

export function App() {
  const { me, checking, signOut } = useSession();
  const [dark, setDark] = useState(() => localStorage.getItem('percolator.theme') === 'dark');
  useEffect(() => {
    document.documentElement.dataset.theme = dark ? 'dark' : 'light';
    localStorage.setItem('percolator.theme', dark ? 'dark' : 'light');
  }, [dark]);

  if (checking) return <p className="page">Loading…</p>;
  if (!me) return <LoginPage />;
  return (
    <div className="shell">
      <nav className="nav">
        <strong className="brand">Percolator</strong>
        <NavLink to="/" end data-testid="nav-overview">
          Overview
        </NavLink>
        <NavLink to="/workflows" data-testid="nav-workflows">
          Workflows
        </NavLink>
        <NavLink to="/executions" data-testid="nav-executions">
          Executions
        </NavLink>
        <NavLink to="/agents" data-testid="nav-agents">
          Agents
        </NavLink>
        <NavLink to="/alerts" data-testid="nav-alerts">
          Alerts
        </NavLink>
        <span className="spacer" />
        <span className="who" title={me.roles.join(', ')}>
          {me.subject} ({me.roles.join(', ') || 'no role'})
        </span>
        <button type="button" onClick={() => setDark(!dark)} data-testid="theme-toggle">
          {dark ? 'Light' : 'Dark'}
        </button>
        {me.via !== 'anonymous' && (
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        )}
      </nav>
      <main className="page">
        <Suspense fallback={<p>Loading…</p>}>
          <Routes>
            <Route path="/" element={<OverviewPage />} />
            <Route path="/workflows" element={<WorkflowsPage />} />
            <Route path="/workflows/new" element={<DesignerPage />} />
            <Route path="/workflows/:name" element={<DesignerPage />} />
            <Route path="/workflows/:name/versions" element={<VersionsPage />} />
            <Route path="/executions" element={<ExecutionsPage />} />
            <Route path="/executions/:id" element={<ExecutionPage />} />
            <Route path="/agents" element={<AgentsPage />} />
            <Route path="/alerts" element={<AlertsPage />} />
            <Route path="*" element={<Navigate to="/" replace />} />
          </Routes>
        </Suspense>
      </main>
    </div>
  );
}
