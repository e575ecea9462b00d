import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Why files cannot be made immutable here, or null when they can: `chattr +i` needs
 * CAP_LINUX_IMMUTABLE (root) and a filesystem that has the flag (ext4, xfs, btrfs). Tried on
 * a probe file in `dir`.
 */
export function immutableUnavailable(dir: string): string | null {
  const probe = join(dir, 'immutable-probe');
  writeFileSync(probe, '');
  try {
    setImmutable([probe], true);
    setImmutable([probe], false);
    return null;
  } catch (error) {
    return `chattr +i is not possible here (needs CAP_LINUX_IMMUTABLE and ext4/xfs/btrfs): ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`;
  }
}

/**
 * Sets or clears the immutable flag: the kernel then refuses every write, even through
 * descriptors already open, as a disk gone read-only does. A test clears it before it ends, or
 * its temporary directory cannot be removed.
 */
export function setImmutable(files: string[], on: boolean): void {
  execFileSync('chattr', [on ? '+i' : '-i', ...files], { stdio: 'pipe' });
}
