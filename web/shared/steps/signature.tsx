/**
 * signature: a drawing pad (signature_pad, loaded when the run opens: signature-pad-loader.ts) whose
 * PNG is uploaded like a photo when the person taps Next. Typing a name draws it on the pad instead,
 * for people who cannot draw on the screen (keyboard, switch access), and works without the pad.
 * Strokes made before the pad is ready are inked at once and replayed into it when it is, so a
 * signature started the moment the step appears is kept. Strokes and the typed name are kept in the
 * draft (`sketch`), so a reload before Next shows them again.
 */
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type SignaturePad from 'signature_pad';
import type { Sketch, StepDraft } from '../../executor/src/answers';
import { canvasToBlob } from '../../executor/src/image-resize';
import {
  findLoadedSignaturePad,
  loadSignaturePad,
  type SignaturePadClass,
} from '../../executor/src/signature-pad-loader';
import type { StepSession } from './step-control';
import type { Step } from '../../executor/src/types';
import { usePhotoSource } from './photos';
import { StepHelp, StepTitle, TITLE_ID, describeStep } from './step-text';

const PAD_HEIGHT_PX = 200;
const INK = '#111827';
const PAPER = 'rgb(255,255,255)';

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

function paintBlank(canvas: HTMLCanvasElement) {
  const context = canvas.getContext('2d');
  if (!context) return;
  context.fillStyle = PAPER;
  context.fillRect(0, 0, canvas.offsetWidth, PAD_HEIGHT_PX);
}

function drawTypedName(canvas: HTMLCanvasElement, name: string) {
  const context = canvas.getContext('2d');
  if (!context) return;
  const width = canvas.offsetWidth;
  context.fillStyle = INK;
  context.textAlign = 'center';
  context.textBaseline = 'middle';
  let size = 56;
  do {
    context.font = `italic ${size}px "Segoe Script", "Brush Script MT", "Snell Roundhand", cursive`;
    size -= 4;
  } while (size > 16 && context.measureText(name).width > width - 32);
  context.fillText(name, width / 2, PAD_HEIGHT_PX / 2);
}

/** A pointer event as recorded before the pad was ready, to be replayed into it. */
interface EarlyEvent {
  type: string;
  clientX: number;
  clientY: number;
  pressure: number;
  buttons: number;
  pointerId: number;
  pointerType: string;
}

function DrawingPad(props: {
  sketch: Sketch | null;
  onSignature: (blob: Blob | null) => void;
  onSketch: (sketch: Sketch | null) => void;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const pad = useRef<SignaturePad | null>(null);
  const [loadError, setLoadError] = useState(false);
  const [typed, setTyped] = useState(props.sketch?.typed ?? '');
  const typedRef = useRef(props.sketch?.typed ?? '');
  const early = useRef<EarlyEvent[]>([]);
  const callbacks = useRef(props);
  callbacks.current = props;

  const hasInk = () => !(pad.current?.isEmpty() ?? true) || early.current.length > 0;

  const exportPad = () => {
    const element = canvas.current;
    if (!element) return;
    const name = typedRef.current.trim();
    const strokes = pad.current?.toData() ?? [];
    callbacks.current.onSketch(name || strokes.length ? { strokes, typed: typedRef.current } : null);
    if (!hasInk() && name === '') return callbacks.current.onSignature(null);
    void canvasToBlob(element, 'image/png').then(callbacks.current.onSignature, () =>
      callbacks.current.onSignature(null),
    );
  };

  // A layout effect: the canvas is sized and listening before the step is first painted.
  useLayoutEffect(() => {
    const element = canvas.current;
    if (!element) return;
    let disposed = false;
    let lastWidth = element.offsetWidth;
    sizeCanvas(element);
    paintBlank(element);
    if (typedRef.current.trim()) drawTypedName(element, typedRef.current.trim());

    // Until the pad exists: record the pointer, and ink it so the person sees the pen works.
    let drawing = false;
    const record = (event: PointerEvent) => {
      if (pad.current) return;
      if (event.type === 'pointerdown') drawing = true;
      if (!drawing) return;
      if (event.type !== 'pointermove') drawing = event.type === 'pointerdown';
      const previous = early.current[early.current.length - 1];
      early.current.push({
        type: event.type,
        clientX: event.clientX,
        clientY: event.clientY,
        pressure: event.pressure,
        buttons: event.buttons,
        pointerId: event.pointerId,
        pointerType: event.pointerType,
      });
      // Without the pad (it could not load), the inked line is the signature.
      if (event.type === 'pointerup') exportPad();
      const context = element.getContext('2d');
      if (!context || !previous || event.type === 'pointerdown') return;
      const box = element.getBoundingClientRect();
      context.strokeStyle = INK;
      context.lineWidth = 2;
      context.lineCap = 'round';
      context.beginPath();
      context.moveTo(previous.clientX - box.left, previous.clientY - box.top);
      context.lineTo(event.clientX - box.left, event.clientY - box.top);
      context.stroke();
    };
    element.addEventListener('pointerdown', record);
    window.addEventListener('pointermove', record);
    window.addEventListener('pointerup', record);
    window.addEventListener('pointercancel', record);
    const stopRecording = () => {
      element.removeEventListener('pointerdown', record);
      window.removeEventListener('pointermove', record);
      window.removeEventListener('pointerup', record);
      window.removeEventListener('pointercancel', record);
    };

    const onResize = () => {
      if (!pad.current || element.offsetWidth === lastWidth) return;
      lastWidth = element.offsetWidth;
      const strokes = pad.current.toData();
      sizeCanvas(element);
      pad.current.clear();
      pad.current.fromData(strokes);
      if (typedRef.current) drawTypedName(element, typedRef.current);
    };

    const create = (Pad: SignaturePadClass) => {
      if (disposed || pad.current) return;
      setLoadError(false);
      const instance = new Pad(element, {
        backgroundColor: PAPER,
        penColor: INK,
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
      const saved = callbacks.current.sketch;
      if (saved?.strokes.length) instance.fromData(saved.strokes as Parameters<SignaturePad['fromData']>[0]);
      if (typedRef.current.trim()) drawTypedName(element, typedRef.current.trim());
      // Replays what was drawn before the pad was ready, through the pad's own handlers.
      const replay = early.current;
      early.current = [];
      stopRecording();
      for (const event of replay) {
        const init = { ...event, bubbles: true, cancelable: true, isPrimary: true };
        element.dispatchEvent(new PointerEvent(event.type, init));
      }
      window.addEventListener('resize', onResize);
      if (replay.length > 0 || saved) exportPad();
    };

    const load = () =>
      loadSignaturePad().then(create, () => {
        if (!disposed) setLoadError(true);
      });
    const Loaded = findLoadedSignaturePad();
    if (Loaded) create(Loaded);
    else void load();
    if (!Loaded && callbacks.current.sketch) exportPad();
    const retry = () => void load();
    window.addEventListener('online', retry);
    return () => {
      disposed = true;
      stopRecording();
      window.removeEventListener('online', retry);
      window.removeEventListener('resize', onResize);
      pad.current?.off();
    };
  }, []);

  const clear = () => {
    pad.current?.clear();
    early.current = [];
    const element = canvas.current;
    if (element && !pad.current) paintBlank(element);
    typedRef.current = '';
    setTyped('');
    callbacks.current.onSketch(null);
    callbacks.current.onSignature(null);
  };

  const typeName = (name: string) => {
    typedRef.current = name;
    setTyped(name);
    const element = canvas.current;
    if (!element) return;
    // Works with or without the pad: the name is drawn on the canvas, which is what is exported.
    if (pad.current) pad.current.clear();
    else paintBlank(element);
    early.current = [];
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
          <p class="pad-note">
            Drawing is not available until the connection returns. You can sign now by typing your name below.
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
        <DrawingPad
          sketch={draft.sketch ?? null}
          onSignature={onSignature}
          onSketch={(sketch) => session.updateDraft(step.id, { sketch })}
        />
      )}
    </fieldset>
  );
}
