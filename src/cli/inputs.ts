// The inputs commands share: the configuration and the objects of FILE operands (the cluster comes
// from cluster-source.ts).
import { readFile } from 'node:fs/promises';
import type { RawObject } from '../cluster/state-file.ts';
import { readError, readObjects } from '../cluster/state-file.ts';
import { DEFAULT_CONFIG, loadConfig } from '../config/load-config.ts';
import { NsguardError } from '../errors.ts';
import type { Config } from '../policy/objects/model.ts';
import type { CommandIo } from './io.ts';
import { locateObjects, sourceOf, type ObjectSource } from './object-sources.ts';

export async function configFrom(file: string | undefined): Promise<Config> {
  return file === undefined ? DEFAULT_CONFIG : loadConfig(file);
}

/** An object of an input file, and where in the file it starts. */
export interface LocatedObject extends RawObject {
  readonly source: ObjectSource;
}

/** The largest text whose objects get a line and column (a policy file is far smaller; a whole cluster dump may not be). */
export const MAX_LOCATED_CHARS = 1024 * 1024;

/**
 * The objects of FILE operands and `-f FILE` flags, in the order given; `-` is standard input (once:
 * it cannot be read twice), as `kubectl apply -f -` takes it.
 */
export async function objectsFrom(command: string, files: readonly string[], io: CommandIo): Promise<LocatedObject[]> {
  if (files.filter((f) => f === '-').length > 1) throw new NsguardError('NSG_USAGE', `nsguard ${command}: - (standard input) can be given once`);
  const read = await Promise.all(
    files.map(async (file) => {
      const where = file === '-' ? '(stdin)' : file;
      const text = file === '-' ? await io.readStdin() : await readFile(file, 'utf8').catch((cause: unknown) => Promise.reject(readError(file, cause)));
      const objects = readObjects(text, where);
      // Locating re-parses the text into a YAML syntax tree: 1.5 s and 0.5 GiB for 3.6 MB of JSON. Past the
      // bound, objects keep their document and item, and their line is unknown.
      const sources = text.length <= MAX_LOCATED_CHARS ? locateObjects(text, where, file) : new Map<string, ObjectSource>();
      return objects.map((raw) => ({ ...raw, source: sourceOf(sources, raw.where, file) }));
    }),
  );
  return read.flat();
}
