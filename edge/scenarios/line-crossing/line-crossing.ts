import type { ScenarioDefinition } from '../scenario-definition.ts';
import { LineCrossingRule } from './line-crossing-rule.ts';
import { LineCrossingSchema } from './line-crossing-schema.ts';

export const lineCrossing: ScenarioDefinition<typeof LineCrossingSchema> = {
  type: 'line_crossing',
  schema: LineCrossingSchema,
  eventType: 'line_crossing',
  watches: (config) => config.name,
  buildRule: ({ line, labels, direction, clearSeconds }, { width, height }) =>
    new LineCrossingRule(
      {
        line: [
          [line[0][0] * width, line[0][1] * height],
          [line[1][0] * width, line[1][1] * height],
        ],
        labels,
        direction,
      },
      clearSeconds,
    ),
};
