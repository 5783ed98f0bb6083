import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../api';
import { useSession } from '../session';

interface WorkflowItem {
  id: string;
  name: string;
  description: string;
  status: string;
  active_version: number | null;
  versions: number;
  updated_at: string;
}

export function WorkflowsPage() {
  const { can } = useSession();
  const list = useQuery({
    queryKey: ['workflows'],
    queryFn: () => api<{ items: WorkflowItem[] }>('/api/v1/workflows'),
  });
  return (
    <section>
      <header className="page-header">
        <h1>Workflows</h1>
        <span className="spacer" />
        {can('admin') && (
          <Link className="button" to="/workflows/new" data-testid="new-workflow">
            New workflow
          </Link>
        )}
      </header>
      {list.error && <p className="error">{(list.error as Error).message}</p>}
      <table className="table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Description</th>
            <th>Version</th>
            <th>Status</th>
            <th>Updated</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.items.map((workflow) => (
            <tr key={workflow.id}>
              <td>
                <Link
                  to={`/workflows/${encodeURIComponent(workflow.name)}`}
                  data-testid={`workflow-${workflow.name}`}
                >
                  {workflow.name}
                </Link>
              </td>
              <td>{workflow.description}</td>
              <td>
                {workflow.active_version ?? '—'} of {workflow.versions}
              </td>
              <td>{workflow.status}</td>
              <td>{new Date(workflow.updated_at).toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
