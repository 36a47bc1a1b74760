import { readFile, stat } from 'node:fs/promises';
import { UserError } from './user-error.js';

/** Largest image we read: far above any kernel, and guards against /dev/zero. */
const MAX_IMAGE_BYTES = 1 << 30;

/** Read a kernel/initrd file, turning file-system errors into one clear line. */
export async function readImageFile(file: string): Promise<Uint8Array> {
  try {
    const st = await stat(file);
    if (st.isDirectory()) throw new UserError(`${file}: is a directory`);
    if (st.size > MAX_IMAGE_BYTES) throw new UserError(`${file}: too large (${st.size} bytes)`);
    return new Uint8Array(await readFile(file));
  } catch (e) {
    if (e instanceof UserError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new UserError(`${file}: no such file`);
    if (err.code === 'EACCES') throw new UserError(`${file}: permission denied`);
    throw new UserError(`${file}: cannot read (${err.code ?? err.message})`);
  }
}
