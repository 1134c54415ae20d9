import { readFile } from 'node:fs/promises';
import { parse as parseCsv } from 'csv-parse/sync';
import type { DeviceIdentity } from './options.js';

/** Products and their devices; with no registry every product and device exists. */
export class DeviceRegistry {
  readonly #byProduct = new Map<string, Set<string>>();

  constructor(devices: readonly DeviceIdentity[]) {
    for (const { ProductKey, DeviceName } of devices) {
      let names = this.#byProduct.get(ProductKey);
      if (!names) this.#byProduct.set(ProductKey, (names = new Set()));
      names.add(DeviceName);
    }
  }

  hasProduct(productKey: string): boolean {
    return this.#byProduct.has(productKey);
  }

  hasDevice(productKey: string, deviceName: string): boolean {
    return this.#byProduct.get(productKey)?.has(deviceName) ?? false;
  }

  devicesOf(productKey: string): readonly string[] {
    return [...(this.#byProduct.get(productKey) ?? [])];
  }
}

/** Reads a device file: a JSON array of `{ProductKey, DeviceName}` or a CSV with those columns. */
export async function loadDeviceFile(path: string): Promise<DeviceIdentity[]> {
  const text = await readFile(path, 'utf8');
  const rows: unknown = text.trimStart().startsWith('[') ? JSON.parse(text) : parseCsv(text, { columns: true, bom: true, skip_empty_lines: true, trim: true });
  if (!Array.isArray(rows)) throw new Error(`${path}: expected a JSON array or a CSV file`);
  return rows.map((row: unknown, index) => toDevice(row, `${path}: entry ${index + 1}`));
}

function toDevice(row: unknown, where: string): DeviceIdentity {
  if (typeof row === 'object' && row !== null) {
    const { ProductKey, DeviceName } = row as Record<string, unknown>;
    if (typeof ProductKey === 'string' && ProductKey && typeof DeviceName === 'string' && DeviceName) {
      return { ProductKey, DeviceName };
    }
  }
  throw new Error(`${where} needs ProductKey and DeviceName`);
}
