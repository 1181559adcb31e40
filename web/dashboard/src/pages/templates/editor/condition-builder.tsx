/**
 * The conditions of a step (`visible_if`, `required_if` or `photos.required_if`) as a tree: a leaf
 * (condition-leaf.tsx), a group that holds when all or any of its conditions hold, and Not on any
 * node for the opposite. Combine turns a single condition into a group; a group takes more
 * conditions and groups inside it. The whole condition is also shown in words, as the rules module
 * describes it. The server's limits (depth, leaves) are checked by the same rules as you type.
 */
import { useId } from 'preact/hooks';
import { describeCondition, isLeaf, type Condition } from '../../../../../../src/domain/conditions';
import { LeafEditor, newLeaf, type ConditionContext } from './condition-leaf';
import type { DraftStep } from './template-draft';

type Group = { all: Condition[] } | { any: Condition[] };

function groupItems(group: Group): Condition[] {
  return 'all' in group ? group.all : group.any;
}

function withItems(group: Group, items: Condition[]): Group {
  return 'all' in group ? { all: items } : { any: items };
}

interface NodeProps {
  /** The accessible name's prefix: `Show only when`, `Show only when, condition 2`… */
  name: string;
  node: Condition;
  context: ConditionContext;
  onChange: (node: Condition) => void;
  onRemove: () => void;
}

function ConditionNode({ name, node, context, onChange, onRemove }: NodeProps) {
  const negated = 'not' in node;
  const inner = negated ? node.not : node;
  const setInner = (next: Condition) => onChange(negated ? { not: next } : next);
  const notBox = (
    <label class="checkbox condition-not">
      <input
        type="checkbox"
        aria-label={`${name}: not`}
        checked={negated}
        onChange={(e) => onChange(e.currentTarget.checked ? { not: inner } : inner)}
      />{' '}
      Not
    </label>
  );
  const remove = (
    <button type="button" class="button small" aria-label={`${name}: remove`} onClick={onRemove}>
      Remove
    </button>
  );
  if (isLeaf(inner)) {
    return (
      <div class="condition-row">
        {notBox}
        <LeafEditor name={name} leaf={inner} context={context} onChange={setInner} />
        {remove}
      </div>
    );
  }
  if ('not' in inner) {
    // A double negation from imported JSON: shown as written, one Not inside the other.
    return (
      <div class="condition-group">
        <div class="condition-row">
          {notBox}
          {remove}
        </div>
        <ConditionNode
          name={`${name}, inner`}
          node={inner}
          context={context}
          onChange={setInner}
          onRemove={() => onChange(inner.not)}
        />
      </div>
    );
  }
  const items = groupItems(inner);
  const setItems = (next: Condition[]) => (next.length ? setInner(withItems(inner, next)) : onRemove());
  return (
    <div class="condition-group" role="group" aria-label={name}>
      <div class="condition-row">
        {notBox}
        <label>
          <span class="sr-only">{name}: match</span>
          <select
            aria-invalid={context.invalid}
            value={'all' in inner ? 'all' : 'any'}
            onChange={(e) => setInner(e.currentTarget.value === 'all' ? { all: items } : { any: items })}
          >
            <option value="all">All of these</option>
            <option value="any">Any of these</option>
          </select>
        </label>
        {remove}
      </div>
      <ol class="condition-items">
        {items.map((item, i) => (
          <li key={i}>
            <ConditionNode
              name={`${name}, condition ${i + 1}`}
              node={item}
              context={context}
              onChange={(next) => setItems(items.map((x, j) => (j === i ? next : x)))}
              onRemove={() => setItems(items.filter((_, j) => j !== i))}
            />
          </li>
        ))}
      </ol>
      <div class="row-buttons">
        <button
          type="button"
          class="button small"
          aria-label={`${name}: add condition`}
          onClick={() => setItems([...items, newLeaf(context)])}
        >
          Add condition
        </button>
        <button
          type="button"
          class="button small"
          aria-label={`${name}: add group`}
          onClick={() => setItems([...items, { any: [newLeaf(context)] }])}
        >
          Add group
        </button>
      </div>
    </div>
  );
}

interface Props {
  /** The heading of the builder: `Show only when`, `Required when`, `Photos required when`. */
  label: string;
  condition: Condition | undefined;
  /** Steps it may refer to: the earlier ones (and the step itself, for photos.required_if). */
  candidates: readonly DraftStep[];
  allSteps: readonly DraftStep[];
  allowSkip: boolean;
  error?: string | undefined;
  onChange: (condition: Condition | undefined) => void;
}

export function ConditionBuilder({
  label,
  condition,
  candidates,
  allSteps,
  allowSkip,
  error,
  onChange,
}: Props) {
  const id = `c${useId()}`;
  const errorId = error ? `${id}-error` : undefined;
  const context: ConditionContext = { candidates, allSteps, allowSkip, invalid: error ? true : undefined };
  if (!condition) {
    return (
      <div class="condition">
        <span class="condition-label">{label}</span>{' '}
        <button
          type="button"
          class="button small"
          disabled={candidates.length === 0}
          onClick={() => onChange(newLeaf(context))}
        >
          Add condition: {label.toLowerCase()}
        </button>
        {candidates.length === 0 ? <span class="muted"> (needs an earlier step)</span> : null}
      </div>
    );
  }
  const single = isLeaf(condition) || ('not' in condition && isLeaf(condition.not));
  return (
    <fieldset class={`condition${error ? ' field-invalid' : ''}`} aria-describedby={errorId}>
      <legend>{label}</legend>
      <ConditionNode
        name={label}
        node={condition}
        context={context}
        onChange={onChange}
        onRemove={() => onChange(undefined)}
      />
      {single && candidates.length ? (
        <button
          type="button"
          class="button small"
          aria-label={`${label}: combine with another condition`}
          onClick={() => onChange({ all: [condition, newLeaf(context)] })}
        >
          Combine with another condition
        </button>
      ) : null}
      <p class="muted condition-words">
        Reads: {label.toLowerCase()} {describeCondition(condition, allSteps)}.
      </p>
      {error ? (
        <p class="field-error" id={errorId}>
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
