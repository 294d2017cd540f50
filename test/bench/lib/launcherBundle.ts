// The evaluation launcher as the extension ships it (bundled, plain Node), for benchmarks that
// must measure it as users run it: through tsx it would be a larger process that forks slower.
import { join } from 'node:path';
import * as esbuild from 'esbuild';

const repo = join(__dirname, '..', '..', '..');

/** Bundles src/core/evaluate/launcher/launcherProcess.ts to `outfile` (as scripts/build.mjs does). */
export async function bundleLauncher(outfile: string): Promise<string> {
  await esbuild.build({
    entryPoints: [join(repo, 'src/core/evaluate/launcher/launcherProcess.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
  });
  return outfile;
}
