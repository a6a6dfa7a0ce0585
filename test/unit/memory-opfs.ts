// An Origin Private File System in memory, for Node: the handful of calls
// tidemark makes (directories, whole files through createWritable, entries,
// removeEntry), with the browser's NotFoundError. Installed as
// navigator.storage.getDirectory with vi.stubGlobal.

type Entry = MemoryDirectory | MemoryFile;

const notFound = (name: string) => new DOMException(`${name} was not found`, 'NotFoundError');

class MemoryFile {
  readonly kind = 'file';
  bytes = new Uint8Array(0);
  constructor(readonly name: string) {}
  async getFile(): Promise<File> {
    return new File([this.bytes.slice()], this.name);
  }
  async createWritable() {
    const parts: Uint8Array[] = [];
    return {
      write: async (data: Uint8Array) => void parts.push(data.slice()),
      // Swapped in on close, as browsers do.
      close: async () => {
        this.bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const part of parts) this.bytes.set(part, (at += part.length) - part.length);
      },
    };
  }
}

export class MemoryDirectory {
  readonly kind = 'directory';
  readonly entriesByName = new Map<string, Entry>();
  constructor(readonly name = '') {}

  async getDirectoryHandle(name: string, { create = false } = {}): Promise<MemoryDirectory> {
    const found = this.entriesByName.get(name);
    if (found instanceof MemoryDirectory) return found;
    if (found || !create) throw found ? new DOMException(`${name} is a file`, 'TypeMismatchError') : notFound(name);
    const made = new MemoryDirectory(name);
    this.entriesByName.set(name, made);
    return made;
  }

  async getFileHandle(name: string, { create = false } = {}): Promise<MemoryFile> {
    const found = this.entriesByName.get(name);
    if (found instanceof MemoryFile) return found;
    if (found || !create) throw found ? new DOMException(`${name} is a directory`, 'TypeMismatchError') : notFound(name);
    const made = new MemoryFile(name);
    this.entriesByName.set(name, made);
    return made;
  }

  async removeEntry(name: string, { recursive = false } = {}): Promise<void> {
    const found = this.entriesByName.get(name);
    if (!found) throw notFound(name);
    if (found instanceof MemoryDirectory && found.entriesByName.size > 0 && !recursive) throw new DOMException(`${name} is not empty`, 'InvalidModificationError');
    this.entriesByName.delete(name);
  }

  async *entries(): AsyncGenerator<[string, Entry]> {
    yield* [...this.entriesByName];
  }
}

/** A fresh OPFS root, and the `navigator` that serves it. */
export function memoryOpfs(): { root: MemoryDirectory; navigator: { storage: { getDirectory: () => Promise<MemoryDirectory> } } } {
  const root = new MemoryDirectory();
  return { root, navigator: { storage: { getDirectory: async () => root } } };
}
