import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveAdminToken } from './config';

describe('the root admin token outside production', () => {
  it('is generated once into the data directory (mode 0600), and only the file is named, never the token', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-token-'));
    const written: string[] = [];
    const write = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => written.push(String(chunk)) > 0);
    try {
      const token = resolveAdminToken({ FLOTILLA_DATA_DIR: dir });
      const file = path.join(dir, 'admin-token');
      expect(token).toMatch(/^flt_root_[A-Za-z0-9_-]{43}$/);
      expect(fs.readFileSync(file, 'utf8').trim()).toBe(token);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(written.join('')).toContain(file);
      expect(written.join('')).not.toContain(token);
      expect(resolveAdminToken({ FLOTILLA_DATA_DIR: dir })).toBe(token); // read again, not made anew
    } finally {
      write.mockRestore();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
