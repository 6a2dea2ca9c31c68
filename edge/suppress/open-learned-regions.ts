import { describeError } from '../errors.ts';
import { LearnedRegions } from './learned-regions.ts';
import { readSuppressionFile, suppressionFilePath } from './suppression-file.ts';

/**
 * The regions stored under `dataDir`. A missing file is no regions; a broken one is reported
 * through `onWarning` (SUPPRESSION_FILE_INVALID, naming the file and the field) and no regions
 * are applied until the cloud sends new ones: a bad file must not stop a camera.
 */
export async function openLearnedRegions(
  dataDir: string,
  onWarning: (message: string) => void,
): Promise<{ regions: LearnedRegions; file: string }> {
  const file = suppressionFilePath(dataDir);
  try {
    return { regions: new LearnedRegions(await readSuppressionFile(file)), file };
  } catch (error) {
    onWarning(`${describeError(error)}; no suppression regions are applied until the cloud sends some`);
    return { regions: new LearnedRegions(), file };
  }
}
