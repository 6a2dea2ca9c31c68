import type { ApiSource, CameraStatusView } from './api-source.ts';
import { RateWindow } from './rate-window.ts';

export type CameraView = CameraStatusView & { analysedFps: number };

/**
 * The cameras of the source, each with its analysed fps over a trailing window. Every read samples
 * the counters; `sampleEvery` also samples them on a timer so the rate spans the window between
 * scrapes.
 */
export class CameraViews {
  private readonly rates = new Map<string, RateWindow>();

  constructor(
    private readonly source: ApiSource,
    private readonly windowSeconds: number,
    private readonly now: () => number,
  ) {}

  all(): CameraView[] {
    const time = this.now();
    const cameras = this.source.cameras();
    for (const id of this.rates.keys()) if (!cameras.some((c) => c.id === id)) this.rates.delete(id);
    return cameras.map((camera) => {
      let rate = this.rates.get(camera.id);
      if (rate === undefined) {
        rate = new RateWindow(this.windowSeconds * 1000);
        this.rates.set(camera.id, rate);
      }
      rate.add(time, camera.counters.framesAnalysed);
      return { ...camera, analysedFps: round(rate.perSecond(), 3) };
    });
  }

  /** Samples now and every `intervalMs`; a failing source goes to `onError` (a timer must not throw). */
  sampleEvery(intervalMs: number, onError: (error: unknown) => void): () => void {
    const sample = (): void => {
      try {
        this.all();
      } catch (error) {
        onError(error);
      }
    };
    sample();
    const timer = setInterval(sample, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
