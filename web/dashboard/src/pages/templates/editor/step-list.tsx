/**
 * The steps in order: pick one to edit; reorder by dragging or with Move up / Move down (keyboard);
 * duplicate or delete. Moving keeps focus on the moved step's button so arrows can be pressed again.
 */
import { useRef, useState } from 'preact/hooks';
import { STEP_TYPE_LABELS, type DraftStep } from './template-draft';

interface Props {
  steps: readonly DraftStep[];
  selectedId: string | null;
  invalidIndexes: ReadonlySet<number>;
  readOnly: boolean;
  onSelect: (id: string) => void;
  onMove: (from: number, to: number) => void;
  onDuplicate: (index: number) => void;
  onDelete: (index: number) => void;
}

export function StepList({
  steps,
  selectedId,
  invalidIndexes,
  readOnly,
  onSelect,
  onMove,
  onDuplicate,
  onDelete,
}: Props) {
  const [dragging, setDragging] = useState<number | null>(null);
  const list = useRef<HTMLOListElement>(null);
  const move = (from: number, to: number, button: string) => {
    onMove(from, to);
    requestAnimationFrame(() =>
      list.current
        ?.querySelector<HTMLButtonElement>(`[data-step-index="${to}"] [data-action="${button}"]`)
        ?.focus(),
    );
  };
  return (
    <ol class="step-list" ref={list} aria-label="Steps">
      {steps.map((step, index) => (
        <li
          key={step.id}
          data-step-index={index}
          class={`step-item${step.id === selectedId ? ' selected' : ''}${invalidIndexes.has(index) ? ' invalid' : ''}${dragging === index ? ' dragging' : ''}`}
          draggable={!readOnly}
          onDragStart={(e) => {
            setDragging(index);
            e.dataTransfer?.setData('text/plain', String(index));
          }}
          onDragEnd={() => setDragging(null)}
          onDragOver={(e) => e.preventDefault()}
          onDrop={(e) => {
            e.preventDefault();
            const from = Number(e.dataTransfer?.getData('text/plain'));
            setDragging(null);
            if (Number.isInteger(from)) onMove(from, index);
          }}
        >
          <button
            type="button"
            class="step-pick"
            aria-current={step.id === selectedId ? 'true' : undefined}
            onClick={() => onSelect(step.id)}
          >
            <span class="step-number">{index + 1}.</span> {step.label || 'Untitled step'}{' '}
            <span class="muted">({STEP_TYPE_LABELS[step.type]})</span>
            {invalidIndexes.has(index) ? <span class="badge danger"> Fix</span> : null}
          </button>
          {readOnly ? null : (
            <div class="row-buttons">
              <button
                type="button"
                class="button small"
                data-action="up"
                aria-label={`Move step ${index + 1} up`}
                disabled={index === 0}
                onClick={() => move(index, index - 1, 'up')}
              >
                ↑
              </button>
              <button
                type="button"
                class="button small"
                data-action="down"
                aria-label={`Move step ${index + 1} down`}
                disabled={index === steps.length - 1}
                onClick={() => move(index, index + 1, 'down')}
              >
                ↓
              </button>
              <button
                type="button"
                class="button small"
                aria-label={`Duplicate step ${index + 1}`}
                onClick={() => onDuplicate(index)}
              >
                Duplicate
              </button>
              <button
                type="button"
                class="button small"
                aria-label={`Delete step ${index + 1}`}
                disabled={steps.length === 1}
                onClick={() => onDelete(index)}
              >
                Delete
              </button>
            </div>
          )}
        </li>
      ))}
    </ol>
  );
}
