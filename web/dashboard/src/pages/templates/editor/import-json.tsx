/**
 * Import JSON from a file or pasted text, into the editor's toolbar. The text is checked before the
 * editor sees it (readImport: JSON, a template object, the server's rules); a refused import shows why
 * at the import field, keeps the pasted text for fixing, and changes nothing in the editor.
 */
import { useRef, useState } from 'preact/hooks';
import { readImport, type ImportRefusal } from './import-export';
import type { TemplateDraft } from './template-draft';

const ERROR_ID = 'import-json-error';

function ImportError({ refusal, source }: { refusal: ImportRefusal; source: string }) {
  return (
    <div class="import-error" id={ERROR_ID} role="alert">
      <p class="field-error">
        {source}: {refusal.error} Nothing in the editor changed.
      </p>
      {refusal.problems.length ? (
        <ul class="field-error">
          {refusal.problems.map((p, i) => (
            <li key={i}>
              {p.where}: {p.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function ImportJson({ onImport }: { onImport: (draft: TemplateDraft) => void }) {
  const fileInput = useRef<HTMLInputElement>(null);
  const [pasting, setPasting] = useState(false);
  const [pasted, setPasted] = useState('');
  const [refused, setRefused] = useState<{ refusal: ImportRefusal; source: string } | null>(null);

  const importText = (text: string, source: string) => {
    const read = readImport(text);
    if ('error' in read) {
      setRefused({ refusal: read, source });
      return;
    }
    setRefused(null);
    setPasting(false);
    setPasted('');
    onImport(read.draft);
  };
  const describedBy = refused ? ERROR_ID : undefined;

  return (
    <>
      <button type="button" class="button" onClick={() => fileInput.current?.click()}>
        Import JSON
      </button>
      <input
        ref={fileInput}
        type="file"
        accept="application/json,.json"
        class="sr-only"
        tabIndex={-1}
        aria-label="Import JSON file"
        aria-describedby={describedBy}
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          e.currentTarget.value = '';
          if (file) void file.text().then((text) => importText(text, `File “${file.name}”`));
        }}
      />
      <button
        type="button"
        class="button"
        aria-expanded={pasting}
        onClick={() => {
          setPasting(!pasting);
          setRefused(null);
        }}
      >
        Paste JSON
      </button>
      {pasting || refused ? (
        <div class="import-panel">
          {pasting ? (
            <div class={`field paste-json${refused ? ' field-invalid' : ''}`}>
              <label for="paste-json">Template JSON</label>
              <textarea
                id="paste-json"
                rows={8}
                value={pasted}
                aria-invalid={refused ? true : undefined}
                aria-describedby={describedBy}
                onInput={(e) => setPasted(e.currentTarget.value)}
              />
            </div>
          ) : null}
          {refused ? <ImportError {...refused} /> : null}
          {pasting ? (
            <button type="button" class="button" onClick={() => importText(pasted, 'Pasted JSON')}>
              Import pasted JSON
            </button>
          ) : null}
        </div>
      ) : null}
    </>
  );
}
