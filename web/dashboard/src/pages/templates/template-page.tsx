/** One template, read-only: its steps, a version picker (every version stays readable) and the JSON. */
import { withQuery } from '../../../../shared/api-client';
import { SelectField } from '../../../../shared/forms';
import { Link, setQuery, useLocation } from '../../router';
import type { TemplateBody } from '../../wire';
import { CopyButton } from '../../ui/copy-button';
import { formatDateTime } from '../../ui/format';
import { Loaded } from '../../ui/states';
import { useApi } from '../../ui/use-api';

export function TemplatePage({ id }: { id: string }) {
  const { query } = useLocation();
  const current = useApi<TemplateBody>(`/v1/templates/${encodeURIComponent(id)}`);
  const wanted = query.get('version');
  const versioned = useApi<TemplateBody>(
    wanted ? `/v1/templates/${encodeURIComponent(id)}/versions/${encodeURIComponent(wanted)}` : null,
  );
  const shown = wanted ? versioned : current;

  return (
    <section>
      <p class="crumbs">
        <Link href="/app/templates">Templates</Link>
      </p>
      <Loaded state={current} what="the template">
        {(latest) => (
          <>
            <div class="page-head">
              <h1>{latest.name}</h1>
              <Link class="button primary" href={withQuery('/app/runs/new', { template: latest.id })}>
                Dispatch run
              </Link>
            </div>
            <p class="muted">
              <code>{latest.id}</code> · version {latest.version} · updated{' '}
              {formatDateTime(latest.updated_at)}
            </p>
            <SelectField
              label="Version"
              value={wanted ?? String(latest.version)}
              onValue={(v) =>
                setQuery({ version: v === String(latest.version) ? undefined : v }, { replace: true })
              }
              options={Array.from({ length: latest.version }, (_, i) => latest.version - i).map((v) => ({
                value: String(v),
                label: v === latest.version ? `${v} (current)` : String(v),
              }))}
            />
            <Loaded state={shown} what="the version">
              {(template) => (
                <>
                  <h2>Steps</h2>
                  <ol class="steps">
                    {template.steps.map((step) => (
                      <li key={step.id}>
                        <strong>{step.label}</strong>{' '}
                        <span class="muted">
                          ({step.type}
                          {step.required ? ', required' : ''})
                        </span>
                      </li>
                    ))}
                  </ol>
                  <h2>JSON</h2>
                  <CopyButton text={JSON.stringify(template, null, 2)} label="Copy JSON" />
                  <pre class="code" tabIndex={0} aria-label={`JSON of version ${template.version}`}>
                    {JSON.stringify(template, null, 2)}
                  </pre>
                </>
              )}
            </Loaded>
          </>
        )}
      </Loaded>
    </section>
  );
}
