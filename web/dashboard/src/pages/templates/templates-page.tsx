/** Templates (read-only here): name, version, steps, last change; each opens its versions and JSON. */
import { Link } from '../../router';
import type { Page, TemplateBody } from '../../wire';
import { formatDateTime } from '../../ui/format';
import { Empty, Loaded } from '../../ui/states';
import { useApi } from '../../ui/use-api';

export function TemplatesPage() {
  const templates = useApi<Page<TemplateBody>>('/v1/templates?limit=200');
  return (
    <section>
      <div class="page-head">
        <h1>Templates</h1>
      </div>
      <Loaded state={templates} what="templates">
        {({ data }) =>
          data.length === 0 ? (
            <Empty title="No templates yet">
              <p>
                Create one with <code>POST /v1/templates</code>; it appears here.
              </p>
            </Empty>
          ) : (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col" class="num">
                      Version
                    </th>
                    <th scope="col" class="num">
                      Steps
                    </th>
                    <th scope="col">Updated</th>
                  </tr>
                </thead>
                <tbody>
                  {data.map((template) => (
                    <tr key={template.id}>
                      <td>
                        <Link href={`/app/templates/${template.id}`}>{template.name}</Link>
                        {template.archived_at && <span class="badge"> Archived</span>}
                      </td>
                      <td class="num">{template.version}</td>
                      <td class="num">{template.steps.length}</td>
                      <td>{formatDateTime(template.updated_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
    </section>
  );
}
