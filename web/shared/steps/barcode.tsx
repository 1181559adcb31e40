/**
 * barcode: typing the code always works; where the browser has BarcodeDetector (Chrome on Android) a
 * camera scan fills the same field. The camera stops as soon as a code is read or the scan is closed.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { DraftValue, StepDraft } from '../../executor/src/answers';
import type { Step } from '../../executor/src/types';
import { INPUT_ID, StepHelp, StepTitle, describeStep } from './step-text';

interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: HTMLVideoElement): Promise<DetectedBarcode[]>;
}
type BarcodeDetectorConstructor = new () => BarcodeDetectorLike;

const SCAN_INTERVAL_MS = 250;

function findBarcodeDetector(): BarcodeDetectorConstructor | null {
  const candidate = (window as unknown as { BarcodeDetector?: BarcodeDetectorConstructor }).BarcodeDetector;
  return candidate && typeof navigator.mediaDevices?.getUserMedia === 'function' ? candidate : null;
}

function Scanner({
  onDetected,
  onClose,
}: {
  onDetected: (code: string) => void;
  onClose: (message: string | null) => void;
}) {
  const video = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    let stream: MediaStream | null = null;
    let timer = 0;
    let stopped = false;
    const Detector = findBarcodeDetector();
    const scan = async (detector: BarcodeDetectorLike) => {
      if (stopped || !video.current) return;
      try {
        const [code] = video.current.readyState >= 2 ? await detector.detect(video.current) : [];
        if (code?.rawValue && !stopped) {
          if ('vibrate' in navigator) navigator.vibrate(80);
          onDetected(code.rawValue);
          return;
        }
      } catch {
        // a frame that cannot be read; try the next one
      }
      timer = window.setTimeout(() => void scan(detector), SCAN_INTERVAL_MS);
    };
    const start = async () => {
      if (!Detector) return onClose('Scanning is not available on this phone. Type the code instead.');
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          video: { facingMode: 'environment' },
          audio: false,
        });
      } catch {
        return onClose('The camera could not be opened. Type the code instead.');
      }
      if (stopped || !video.current) return stream.getTracks().forEach((t) => t.stop());
      video.current.srcObject = stream;
      await video.current.play().catch(() => undefined);
      void scan(new Detector());
    };
    void start();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      stream?.getTracks().forEach((t) => t.stop());
    };
  }, []);
  return (
    <div class="scanner">
      <video ref={video} muted playsInline aria-label="Camera view for scanning" />
      <p class="hint">Point the camera at the code.</p>
      <button type="button" class="secondary" onClick={() => onClose(null)}>
        Stop scanning
      </button>
    </div>
  );
}

export function BarcodeControl({
  step,
  draft,
  onChange,
}: {
  step: Step;
  draft: StepDraft;
  onChange: (value: DraftValue) => void;
}) {
  const [scanning, setScanning] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const canScan = findBarcodeDetector() !== null;
  return (
    <div class="group">
      <StepTitle step={step} forInput />
      <StepHelp step={step} />
      <input
        ref={input}
        id={INPUT_ID}
        type="text"
        autoComplete="off"
        autoCapitalize="characters"
        spellcheck={false}
        enterKeyHint="next"
        value={typeof draft.value === 'string' ? draft.value : ''}
        aria-describedby={describeStep(step, Boolean(draft.error), notice !== null && 'step-scan-notice')}
        aria-required={step.required}
        aria-invalid={Boolean(draft.error)}
        onInput={(event) => onChange(event.currentTarget.value)}
      />
      {notice ? (
        <p id="step-scan-notice" class="hint">
          {notice}
        </p>
      ) : null}
      {canScan && !scanning ? (
        <button type="button" class="secondary" onClick={() => (setNotice(null), setScanning(true))}>
          Scan with camera
        </button>
      ) : null}
      {scanning ? (
        <Scanner
          onDetected={(code) => {
            onChange(code);
            setScanning(false);
            setNotice(`Scanned: ${code}`);
            input.current?.focus();
          }}
          onClose={(message) => {
            setScanning(false);
            setNotice(message);
          }}
        />
      ) : null}
    </div>
  );
}
