import { cpus } from 'node:os';
import { loadNative } from './native/binding.js';
import { backendStatus } from './registry.js';

export interface EngineReport {
  node: string;
  napi: string;
  platform: string;
  arch: string;
  cores: number;
  /** Backends in the order ops are offered to them. */
  backends: string[];
  native:
    | {
        available: true;
        features: string[];
        level: string;
        detected: string;
        compiled: string;
        threads: number;
      }
    | { available: false; reason: string };
}

/** What the engine runs on: for `frugal doctor`, the demo and benchmark headers. */
export function engineReport(): EngineReport {
  const status = backendStatus();
  const native = loadNative();
  const base = {
    node: process.versions.node,
    napi: process.versions.napi ?? 'unknown',
    platform: process.platform,
    arch: process.arch,
    cores: cpus().length,
    backends: status.active,
  };
  if (!native.available) return { ...base, native: { available: false, reason: native.reason } };
  const info = native.addon.cpuInfo();
  return {
    ...base,
    native: {
      available: true,
      features: info.features,
      level: info.level,
      detected: info.detected,
      compiled: info.compiled,
      threads: native.addon.getThreads(),
    },
  };
}
