import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '@turnaround/domain';
import { TurnaroundConfig } from './config';

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** The embedded default's key, beside its database: a copy of the database alone does not open the secrets. */
export const SECRET_KEY_FILE = 'secret.key';

/**
 * Seals secrets that must be kept at rest (webhook secrets) with AES-256-GCM. A sealed value is
 * bound to what it belongs to (`context`, e.g. the webhook id), so a sealed value copied to
 * another row does not open there.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {}

  /** base64 of iv, authentication tag and ciphertext. */
  seal(plain: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv).setAAD(Buffer.from(context));
    const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
  }

  /** A key of its own for `purpose` (HKDF-SHA256 of this one), e.g. to sign the links of alert emails: the sealing key itself signs nothing. */
  derivedKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), `turnaround ${purpose}`, 32));
  }

  open(sealed: string, context: string): string {
    const bytes = Buffer.from(sealed, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, IV_BYTES))
      .setAAD(Buffer.from(context))
      .setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error(
        `a secret of ${context} does not open with this key (TURNAROUND_SECRET_KEY, or ${SECRET_KEY_FILE} under DATA_DIR): it was sealed with another one`,
      );
    }
  }
}

/**
 * The key from TURNAROUND_SECRET_KEY; the embedded default (no DATABASE_URL) makes one under
 * DATA_DIR on its first start. A server database needs the key set, so that every instance
 * seals and opens with the same one.
 */
export function openSecretBox(config: TurnaroundConfig): SecretBox {
  if (config.secretKey) return new SecretBox(config.secretKey);
  if (config.databaseUrl)
    throw ValidationError.of(
      'TURNAROUND_SECRET_KEY',
      'expected a key to seal webhook secrets with when DATABASE_URL is set (32 random bytes in base64: `openssl rand -base64 32`), the same for every instance',
    );
  mkdirSync(config.dataDir, { recursive: true });
  const file = join(config.dataDir, SECRET_KEY_FILE);
  try {
    // `wx`: a key that exists is never replaced; the secrets sealed with it would no longer open.
    writeFileSync(file, randomBytes(32).toString('base64'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw ValidationError.of(file, 'expected 32 bytes in base64, the key this service made on its first start');
  return new SecretBox(key);
}
