import path from 'node:path';
import { loadCloudConfig } from '../../../cloud/config/load-cloud-config.ts';
import { loadPlaces } from '../../../cloud/places/load-places.ts';

export const FIXTURE_DIR = path.resolve('fixtures/cloud');
export const FIXTURE_CONFIG = path.join(FIXTURE_DIR, 'cloud.yaml');

export const fixtureConfig = () => loadCloudConfig(FIXTURE_CONFIG);
export const fixturePlaces = () =>
  loadPlaces(path.join(FIXTURE_DIR, 'liwan-grids.geojson'), path.join(FIXTURE_DIR, 'cameras.yaml'));

/** The fixture's test tokens: a user's token is its name + "-token". */
export const token = (name: string) => `${name}-token`;
