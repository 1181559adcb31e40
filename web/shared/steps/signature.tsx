/**
 * signature: a drawing pad (signature_pad, loaded only when a signature step opens) whose PNG is
 * uploaded like a photo when the person taps Next. Typing a name draws it on the pad instead, for
 * people who cannot draw on the screen (keyboard, switch access).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type SignaturePad from 'signature_pad';
import type { StepDraft } from '../../executor/src/answers';
import { canvasToBlob } from '../../executor/src/image-resize';
import type { StepSession } from './step-control';
import type { Step } from '../../executor/src/types';
import { usePhotoSource } from './photos';
import { StepHelp, StepTitle, TITLE_ID, describeStep } from './step-text';

const PAD_HEIGHT_PX = 200;

interface Props {
  step: Step;
  draft: StepDraft;
  session: StepSession;
  onSignature: (blob: Blob | null) => void;
  onClearSaved: () => void;
}

function sizeCanvas(canvas: HTMLCanvasElement) {
  const ratio = Math.max(window.devicePixelRatio || 1, 1);
  canvas.width = canvas.offsetWidth * ratio;
  canvas.height = PAD_HEIGHT_PX * ratio;
  canvas.getContext('2d')?.scale(ratio, ratio);
}

function drawTypedName(canvas: HTMLCanvasElement, name: string) {
  const context = canvas.getContext('2d');
  if (!context) return;
  const width = canvas.offsetWidth;
  context.fillStyle = '#111827';
  context.textAlign = 'center';
  context.textBaseline = 'middle';
  let size = 56;
  do {
    context.font = `italic ${size}px "Segoe Script", "Brush Script MT", "Snell Roundhand", cursive`;
    size -= 4;
  } while (size > 16 && context.measureText(name).width > width - 32);
  context.fillText(name, width / 2, PAD_HEIGHT_PX / 2);
}

function DrawingPad({ onSignature }: { onSignature: (blob: Blob | null) => void }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const pad = useRef<SignaturePad | null>(null);
  const [loadError, setLoadError] = useState(false);
  const [typed, setTyped] = useState('');
  const typedRef = useRef('');

  const exportPad = () => {
    const element = canvas.current;
    if (!element) return;
    const empty = (pad.current?.isEmpty() ?? true) && typedRef.current.trim() === '';
    if (empty) return onSignature(null);
    void canvasToBlob(element, 'image/png').then(onSignature, () => onSignature(null));
  };

  useEffect(() => {
    let disposed = false;
    let lastWidth = 0;
    const onResize = () => {
      const element = canvas.current;
      if (!element || !pad.current || element.offsetWidth === lastWidth) return;
      lastWidth = element.offsetWidth;
      const strokes = pad.current.toData();
      sizeCanvas(element);
      pad.current.clear();
      pad.current.fromData(strokes);
      if (typedRef.current) drawTypedName(element, typedRef.current);
    };
    import('signature_pad')
      .then(({ default: Pad }) => {
        const element = canvas.current;
        if (disposed || !element) return;
        sizeCanvas(element);
        lastWidth = element.offsetWidth;
        const instance = new Pad(element, {
          backgroundColor: 'rgb(255,255,255)',
          penColor: '#111827',
          minWidth: 1,
          maxWidth: 3,
        });
        instance.addEventListener('beginStroke', () => {
          if (!typedRef.current) return;
          typedRef.current = '';
          setTyped('');
          instance.clear();
        });
        instance.addEventListener('endStroke', exportPad);
        pad.current = instance;
        window.addEventListener('resize', onResize);
      })
      .catch(() => setLoadError(true));
    return () => {
      disposed = true;
      window.removeEventListener('resize', onResize);
      pad.current?.off();
    };
  }, []);

  const clear = () => {
    pad.current?.clear();
    typedRef.current = '';
    setTyped('');
    onSignature(null);
  };

  const typeName = (name: string) => {
    typedRef.current = name;
    setTyped(name);
    const element = canvas.current;
    if (!element || !pad.current) return;
    pad.current.clear();
    if (name.trim()) drawTypedName(element, name.trim());
    exportPad();
  };

  return (
    <>
      <div class="pad-frame">
        <canvas
          ref={canvas}
          class="pad"
          style={{ height: `${PAD_HEIGHT_PX}px` }}
          role="img"
          aria-label="Signature pad: sign here with your finger"
        />
        {loadError ? (
          <p class="error-text">
            The signature pad could not load. Check your connection and reopen the link.
          </p>
        ) : null}
      </div>
      <div class="inline-row">
        <button type="button" class="secondary" onClick={clear}>
          Clear
        </button>
      </div>
      <label class="field-label" for="signature-typed">
        Or type your full name to sign
      </label>
      <input
        id="signature-typed"
        type="text"
        autoComplete="name"
        value={typed}
        onInput={(e) => typeName(e.currentTarget.value)}
      />
    </>
  );
}

export function SignatureControl({ step, draft, session, onSignature, onClearSaved }: Props) {
  const saved = draft.signature;
  const savedImage = usePhotoSource(saved ?? {}, session, saved?.url ?? saved?.thumbnail_url);
  return (
    <fieldset
      class="group"
      aria-labelledby={TITLE_ID}
      aria-describedby={describeStep(step, Boolean(draft.error))}
      aria-invalid={Boolean(draft.error)}
    >
      <legend>
        <StepTitle step={step} />
      </legend>
      <StepHelp step={step} />
      {saved ? (
        <>
          <div class="pad-frame saved">
            {savedImage ? (
              <img src={savedImage} alt="Your saved signature" />
            ) : (
              <p>Your signature is saved.</p>
            )}
          </div>
          <div class="inline-row">
            <button type="button" class="secondary" onClick={onClearSaved}>
              Clear
            </button>
          </div>
        </>
      ) : (
        <DrawingPad onSignature={onSignature} />
      )}
    </fieldset>
  );
}
