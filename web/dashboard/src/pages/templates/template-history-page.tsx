/**
 * A template's versions: who saved each and when, a diff between any two (steps added, removed and
 * changed, with their fields), each version opens read-only, and restore writes it as a new version.
 */
import { useState } from 'preact/hooks';
import { api, describeError } from '../../../../shared/api-client';
import { SelectField } from '../../../../shared/forms';
import { Link, navigate, setQuery, useLocation } from '../../router';
import type { TemplateBody } from '../../wire';
import { formatDateTime } from '../../ui/format';
import { Loaded } from '../../ui/states';
import { useApi } from '../../ui/use-api';
import { diffTemplates, type FieldChange } from './editor/template-diff';
import { toDraft } from './editor/template-draft';

interface VersionEntry {
  version: number;
  created_at: string;
  author: { kind: 'member'; email: string; name: string | null } | { kind: 'api_key'; name: string } | null;
}

function authorName(author: VersionEntry['author']): string {
  if (!author) return 'unknown';
  return author.kind === 'member'
    ? author.name
      ? `${author.name} (${author.email})`
      : author.email
    : `API key “${author.name}”`;
}

function Changes({ changes }: { changes: FieldChange[] }) {
  return (
    <ul class="diff-fields">
      {changes.map((c) => (
        <li key={c.field}>
          <code>{c.field}</code>: <del>{c.before}</del> → <ins>{c.after}</ins>
        </li>
      ))}
    </ul>
  );
}

function VersionDiff({ id, from, to }: { id: string; from: number; to: number }) {
  const base = `/v1/templates/${encodeURIComponent(id)}/versions`;
  const before = useApi<TemplateBody>(`${base}/${from}`);
  const after = useApi<TemplateBody>(`${base}/${to}`);
  if (!before.data || !after.data)
    return (
      <Loaded state={before.data ? after : before} what="the versions">
        {() => null}
      </Loaded>
    );
  const diff = diffTemplates(toDraft(before.data), toDraft(after.data));
  const nothing = !diff.template.length && !diff.added.length && !diff.removed.length && !diff.changed.length;
  return (
    <section class="diff" aria-labelledby="diff-title">
      <h2 id="diff-title">
        Changes from version {from} to version {to}
      </h2>
      {nothing ? <p>No differences.</p> : null}
      {diff.template.length ? (
        <>
          <h3>Template</h3>
          <Changes changes={diff.template} />
        </>
      ) : null}
      {diff.added.length ? (
        <>
          <h3>Steps added</h3>
          <ul>
            {diff.added.map((s) => (
              <li key={s.id}>
                <ins>
                  {s.label} ({s.type}) <code>{s.id}</code>
                </ins>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {diff.removed.length ? (
        <>
          <h3>Steps removed</h3>
          <ul>
            {diff.removed.map((s) => (
              <li key={s.id}>
                <del>
                  {s.label} ({s.type}) <code>{s.id}</code>
                </del>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {diff.changed.length ? (
        <>
          <h3>Steps changed</h3>
          <ul>
            {diff.changed.map((c) => (
              <li key={c.step.id}>
                <strong>{c.step.label}</strong> <code>{c.step.id}</code>
                {c.moved ? ` moved from position ${c.moved.from} to ${c.moved.to}` : ''}
                <Changes changes={c.fields} />
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

export function TemplateHistoryPage({ id }: { id: string }) {
  const { query } = useLocation();
  const template = useApi<TemplateBody>(`/v1/templates/${encodeURIComponent(id)}`);
  const versions = useApi<{ data: VersionEntry[] }>(`/v1/templates/${encodeURIComponent(id)}/versions`);
  const [error, setError] = useState<string | undefined>();
  const restore = async (version: number) => {
    try {
      const old = await api.get<TemplateBody>(`/v1/templates/${encodeURIComponent(id)}/versions/${version}`);
      const saved = await api.put<TemplateBody>(`/v1/templates/${encodeURIComponent(id)}`, toDraft(old));
      versions.reload();
      template.reload();
      navigate(`/app/templates/${id}/history?from=${version}&to=${saved.version}`);
    } catch (e) {
      setError(describeError(e));
    }
  };
  return (
    <section>
      <p class="crumbs">
        <Link href="/app/templates">Templates</Link> ›{' '}
        <Link href={`/app/templates/${id}`}>{template.data?.name ?? id}</Link>
      </p>
      <h1>Versions</h1>
      {error ? (
        <p role="alert" class="form-error">
          {error}
        </p>
      ) : null}
      <Loaded state={versions} what="the versions">
        {({ data }) => {
          const latest = data[0]!.version;
          const to = Number(query.get('to') ?? latest);
          const from = Number(query.get('from') ?? Math.max(1, to - 1));
          const choices = data.map((v) => ({ value: String(v.version), label: `Version ${v.version}` }));
          return (
            <>
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Version</th>
                      <th scope="col">Saved</th>
                      <th scope="col">By</th>
                      <th scope="col">Actions</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.map((v) => (
                      <tr key={v.version}>
                        <td>
                          {v.version}
                          {v.version === latest ? ' (current)' : ''}
                        </td>
                        <td>{formatDateTime(v.created_at)}</td>
                        <td>{authorName(v.author)}</td>
                        <td>
                          <Link href={`/app/templates/${id}?version=${v.version}`}>
                            Open version {v.version}
                          </Link>
                          {v.version !== latest && !template.data?.archived_at ? (
                            <>
                              {' '}
                              <button
                                type="button"
                                class="button small"
                                onClick={() => void restore(v.version)}
                              >
                                Restore version {v.version} as new version
                              </button>
                            </>
                          ) : null}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {data.length > 1 ? (
                <div class="field-row">
                  <SelectField
                    label="Compare from"
                    value={String(from)}
                    onValue={(v) => setQuery({ from: v }, { replace: true })}
                    options={choices}
                  />
                  <SelectField
                    label="to"
                    value={String(to)}
                    onValue={(v) => setQuery({ to: v }, { replace: true })}
                    options={choices}
                  />
                </div>
              ) : null}
              {data.length > 1 ? <VersionDiff id={id} from={from} to={to} /> : null}
            </>
          );
        }}
      </Loaded>
    </section>
  );
}
