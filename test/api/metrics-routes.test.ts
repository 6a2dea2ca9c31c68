import { describe, expect, it } from 'vitest';
import type { CameraStatusView } from '../../edge/api/api-source.ts';
import { parseExposition, sampleValue } from './support/exposition-parser.ts';
import { camera, T0 } from './support/fake-source.ts';
import { serveFakeSource } from './support/serve-fake-source.ts';

describe('local API: metrics', () => {
  const { source, clock, get } = serveFakeSource();

  describe('GET /metrics', () => {
    it('serves Prometheus text 0.0.4 in which every metric has HELP and TYPE', async () => {
      source.deliveryStats = {
        outboxDepth: 4,
        published: 120,
        acked: 116,
        publishLatencyMs: { p50: 15, p99: 240 },
        connected: true,
        dropped: 2,
      };
      source.evidenceStats = {
        snapshots: 9,
        clips: 3,
        clipFailures: 1,
        upload: { pending: 2, pendingBytes: 5_000_000, uploaded: 17, uploadedBytes: 9_000_000, failures: 4 },
      };
      source.cams[0] = {
        ...(source.cams[0] as CameraStatusView),
        recording: {
          state: 'recording',
          segments: 30,
          bytes: 12_000_000,
          bufferedSeconds: 60,
          restarts: 1,
          lastError: null,
        },
      };
      const response = await get('/metrics');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const text = await response.text();
      expect(text.endsWith('\n')).toBe(true);
      const { help, type, samples, problems } = parseExposition(text);
      expect(problems).toEqual([]);
      expect(samples.length).toBeGreaterThan(40);
      for (const name of new Set(samples.map((s) => s.name))) {
        expect(name.startsWith('edge_'), name).toBe(true);
        expect(help.get(name), `HELP of ${name}`).toBeTruthy();
        expect(['counter', 'gauge'], `TYPE of ${name}`).toContain(type.get(name));
        if (type.get(name) === 'counter') expect(name.endsWith('_total'), name).toBe(true);
      }
      expect(text).toContain('edge_camera_frames_decoded_total{camera="gate"} 130\n');
      expect(text).toContain('# TYPE edge_camera_frames_decoded_total counter\n');
      expect(text).toContain('edge_camera_up{camera="gate"} 1\nedge_camera_up{camera="yard"} 0\n');
      expect(sampleValue(samples, 'edge_info', { edge_id: 'edge-1' })).toBe(1);
      expect(sampleValue(samples, 'edge_uptime_seconds')).toBe(65);
      expect(sampleValue(samples, 'edge_camera_state', { camera: 'yard', state: 'backing_off' })).toBe(1);
      expect(sampleValue(samples, 'edge_camera_state', { camera: 'yard', state: 'live' })).toBe(0);
      expect(sampleValue(samples, 'edge_camera_frames_analysed_total', { camera: 'yard' })).toBe(7);
      expect(sampleValue(samples, 'edge_camera_frames_skipped_by_motion_total', { camera: 'gate' })).toBe(20);
      expect(sampleValue(samples, 'edge_camera_frames_dropped_total', { camera: 'gate' })).toBe(10);
      expect(sampleValue(samples, 'edge_camera_reconnects_total', { camera: 'gate' })).toBe(2);
      expect(sampleValue(samples, 'edge_camera_events_raised_total', { camera: 'gate' })).toBe(3);
      expect(sampleValue(samples, 'edge_camera_last_inference_seconds', { camera: 'gate' })).toBe(0.042);
      expect(sampleValue(samples, 'edge_camera_last_frame_timestamp_seconds', { camera: 'gate' })).toBe(
        (T0 + 1500) / 1000,
      );
      // No frame yet: no sample rather than a made-up 0.
      expect(
        sampleValue(samples, 'edge_camera_last_frame_timestamp_seconds', { camera: 'yard' }),
      ).toBeUndefined();
      expect(sampleValue(samples, 'edge_model_jobs_superseded_total', { model: 'detector' })).toBe(10);
      expect(sampleValue(samples, 'edge_model_mean_queue_wait_seconds', { model: 'detector' })).toBe(0.008);
      expect(sampleValue(samples, 'edge_model_mean_run_seconds', { model: 'detector' })).toBe(0.025);
      expect(
        sampleValue(samples, 'edge_model_source_last_queue_wait_seconds', {
          model: 'detector',
          source: 'gate',
        }),
      ).toBe(0.012);
      expect(sampleValue(samples, 'edge_delivery_outbox_depth')).toBe(4);
      expect(sampleValue(samples, 'edge_delivery_published_total')).toBe(120);
      expect(sampleValue(samples, 'edge_delivery_acked_total')).toBe(116);
      expect(sampleValue(samples, 'edge_delivery_connected')).toBe(1);
      expect(sampleValue(samples, 'edge_delivery_publish_latency_p99_seconds')).toBe(0.24);
      expect(sampleValue(samples, 'edge_delivery_outbox_dropped_total')).toBe(2);
      expect(sampleValue(samples, 'edge_evidence_clip_failures_total')).toBe(1);
      expect(sampleValue(samples, 'edge_evidence_upload_pending_bytes')).toBe(5_000_000);
      expect(sampleValue(samples, 'edge_camera_recording_buffer_seconds', { camera: 'gate' })).toBe(60);
      expect(sampleValue(samples, 'edge_camera_recording_up', { camera: 'yard' })).toBeUndefined();
    });

    it('escapes label values', async () => {
      const text = await (await get('/metrics')).text();
      expect(text).toContain(
        'edge_model_source_superseded_total{model="detector",source="odd\\\\\\"id\\nx"} 5\n',
      );
      const { samples } = parseExposition(text);
      expect(
        sampleValue(samples, 'edge_model_source_superseded_total', {
          model: 'detector',
          source: 'odd\\"id\nx',
        }),
      ).toBe(5);
    });

    it('reports a full disk, the events waiting for it and the files left out', async () => {
      source.evidenceStats = { snapshots: 4, clips: 1, clipFailures: 1, missing: 3 };
      source.storageStats = {
        state: 'disk_full',
        since: T0,
        lastError: 'ENOSPC',
        fullWrites: 7,
        eventsWaiting: 2,
        freeBytes: 0,
        reserveBytes: 2_097_152,
      };
      const { samples, problems } = parseExposition(await (await get('/metrics')).text());
      expect(problems).toEqual([]);
      expect(sampleValue(samples, 'edge_storage_disk_full')).toBe(1);
      expect(sampleValue(samples, 'edge_storage_full_writes_total')).toBe(7);
      expect(sampleValue(samples, 'edge_storage_events_waiting')).toBe(2);
      expect(sampleValue(samples, 'edge_storage_free_bytes')).toBe(0);
      expect(sampleValue(samples, 'edge_storage_reserve_bytes')).toBe(2_097_152);
      expect(sampleValue(samples, 'edge_evidence_missing_total')).toBe(3);
      source.storageStats = { ...source.storageStats, state: 'ok', since: null, freeBytes: null };
      const after = parseExposition(await (await get('/metrics')).text()).samples;
      expect(sampleValue(after, 'edge_storage_disk_full')).toBe(0);
      // Not measured yet: no sample rather than a made-up 0.
      expect(sampleValue(after, 'edge_storage_free_bytes')).toBeUndefined();
    });

    it('leaves delivery out until there is one', async () => {
      const text = await (await get('/metrics')).text();
      expect(text).not.toContain('edge_delivery_');
    });

    it('reports analysed fps over the window', async () => {
      // Settle a sample at the current time, then 2 s later 10 more frames analysed: 5 fps.
      await get('/metrics');
      clock.now += 2000;
      source.cams = [camera('gate', 'live', 110), camera('yard', 'backing_off', 7)];
      const { samples } = parseExposition(await (await get('/metrics')).text());
      expect(sampleValue(samples, 'edge_camera_analysed_fps', { camera: 'gate' })).toBeCloseTo(5, 5);
      expect(sampleValue(samples, 'edge_camera_analysed_fps', { camera: 'yard' })).toBe(0);
      const cameras = (await (await get('/cameras')).json()) as { id: string; analysedFps: number }[];
      expect(cameras.find((c) => c.id === 'gate')?.analysedFps).toBeCloseTo(5, 3);
    });
  });
});
