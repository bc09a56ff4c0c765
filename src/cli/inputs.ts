// The inputs commands share: the configuration and the objects of FILE operands (the cluster comes
// from cluster-source.ts).
import { readFile } from 'node:fs/promises';
import type { RawObject } from '../cluster/state-file.ts';
import { readError, readObjects } from '../cluster/state-file.ts';
import { DEFAULT_CONFIG, loadConfig } from '../config/load-config.ts';
import { NsguardError } from '../errors.ts';
import type { Config } from '../policy/objects/model.ts';
import type { CommandIo } from './io.ts';
import type { ObjectSource } from './object-sources.ts';
import { locateObjects, sourceOf } from './object-sources.ts';

export async function configFrom(file: string | undefined): Promise<Config> {
  return file === undefined ? DEFAULT_CONFIG : loadConfig(file);
}

/** An object of an input file, and where in the file it starts. */
export interface LocatedObject extends RawObject {
  readonly source: ObjectSource;
}

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
      const sources = locateObjects(text, where, file);
      return objects.map((raw) => ({ ...raw, source: sourceOf(sources, raw.where, file) }));
    }),
  );
  return read.flat();
}
