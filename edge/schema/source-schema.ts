/** The camera source moved to foundation/edge-config/ (the cloud validates edge configs too). */
export { isStreamUrl, SourceSchema } from '../../foundation/edge-config/source-schema.ts';
