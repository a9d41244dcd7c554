import caffe from '@uai/plugin-caffe';
import { describe, expect, it } from 'vitest';
import { chooseBaseImage, normalizeKey } from './catalog.js';
import type { BaseImageEntry } from './plugin.js';

const caffePlugin = caffe();

/** TensorFlow's images from uai-platform.md: several variants per aiArchV, newest tag first. */
const tfCatalog: BaseImageEntry[] = [
  {
    aiArchV: 'tensorflow-1.6.0',
    device: 'cpu',
    os: 'ubuntu-16.04',
    python: 'python-2.7.6',
    image: 'uaishare/cpu_uaiservice_ubuntu-16.04_python-2.7.6_tensorflow-1.6.0:v1.2',
  },
  {
    aiArchV: 'tensorflow-1.6.0',
    device: 'cpu',
    os: 'ubuntu-16.04',
    python: 'python-2.7.6',
    image: 'uaishare/cpu_uaiservice_ubuntu-16.04_python-2.7.6_tensorflow-1.6.0:v1.0',
  },
  {
    aiArchV: 'tensorflow-1.9.0',
    device: 'cpu',
    os: 'ubuntu-16.04',
    python: 'python-2.7',
    image: 'uaishare/cpu_uaiservice_ubuntu-16.04_python-2.7_tensorflow-1.9.0:v1.2',
  },
  {
    aiArchV: 'tensorflow-1.9.0',
    device: 'cpu',
    os: 'ubuntu-16.04',
    python: 'python-3.6',
    image: 'uaishare/cpu_uaiservice_ubuntu-16.04_python-3.6_tensorflow-1.9.0:v1.2',
  },
  {
    aiArchV: 'tensorflow-1.4.0',
    device: 'cpu',
    os: 'ubuntu-14.04',
    python: 'python-2.7.6',
    image: 'uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_tensorflow-1.4.0:v1.2',
  },
  {
    aiArchV: 'tensorflow-1.3.0',
    device: 'cpu',
    os: 'ubuntu-16.04',
    python: 'python-3.6.2',
    image: 'uaishare/cpu_uaiservice_ubuntu-16.04_python-3.6.2_tensorflow-1.3.0:v1.2',
  },
];
const tf = { framework: 'tensorflow', catalog: tfCatalog };

const defaults = { os: 'ubuntu', pythonVersion: 'python-2.7.6' };

function image(plugin: typeof tf | typeof caffePlugin, wanted: { aiArchV: string; os?: string; pythonVersion?: string }): string {
  const choice = chooseBaseImage(plugin, {
    aiArchV: wanted.aiArchV,
    os: wanted.os ?? defaults.os,
    pythonVersion: wanted.pythonVersion ?? defaults.pythonVersion,
  });
  if (!choice.ok) throw new Error(choice.message);
  return choice.entry.image;
}

describe('chooseBaseImage', () => {
  it("picks the caffe plugin's default aiArchV image: cpu, ubuntu-14.04, python-2.7.6, v1.2", () => {
    expect(image(caffePlugin, { aiArchV: caffePlugin.defaultAiArchV })).toBe('uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.2');
  });

  it.each([
    { name: 'caffe-1.0.0', aiArchV: 'caffe-1.0.0', expected: 'uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.2' },
    { name: 'gpu: caffe-1.0.0gpu', aiArchV: 'caffe-1.0.0gpu', expected: 'uaishare/gpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.0' },
    {
      name: 'Intel, spelt with a space: caffe-intel 1.0.0',
      aiArchV: 'caffe-intel 1.0.0',
      expected: 'uaishare/mkl_uaiservice_ubuntu-14.04_python-2.7.6_intel_caffe-1.0.0:v1.1',
    },
    {
      name: 'Intel with extra spaces and capitals',
      aiArchV: ' Caffe-Intel   1.0.0 ',
      expected: 'uaishare/mkl_uaiservice_ubuntu-14.04_python-2.7.6_intel_caffe-1.0.0:v1.1',
    },
    {
      name: 'os ubuntu-14.04 exactly',
      aiArchV: 'caffe-1.0.0',
      os: 'ubuntu-14.04',
      expected: 'uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.2',
    },
    {
      name: 'python given as 2.7',
      aiArchV: 'caffe-1.0.0',
      pythonVersion: '2.7',
      expected: 'uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.2',
    },
  ])('caffe: $name', ({ aiArchV, os, pythonVersion, expected }) => {
    expect(image(caffePlugin, { aiArchV, os, pythonVersion })).toBe(expected);
  });

  it.each([
    {
      name: 'the first (newest) tag is the default',
      aiArchV: 'tensorflow-1.6.0',
      expected: 'uaishare/cpu_uaiservice_ubuntu-16.04_python-2.7.6_tensorflow-1.6.0:v1.2',
    },
    { name: 'python 2.7 by default', aiArchV: 'tensorflow-1.9.0', expected: 'uaishare/cpu_uaiservice_ubuntu-16.04_python-2.7_tensorflow-1.9.0:v1.2' },
    {
      name: 'python-3.6 picks the python-3.6 image',
      aiArchV: 'tensorflow-1.9.0',
      pythonVersion: 'python-3.6',
      expected: 'uaishare/cpu_uaiservice_ubuntu-16.04_python-3.6_tensorflow-1.9.0:v1.2',
    },
    {
      name: 'python-3.6.2 is told apart by major.minor',
      aiArchV: 'tensorflow-1.9.0',
      pythonVersion: 'python-3.6.2',
      expected: 'uaishare/cpu_uaiservice_ubuntu-16.04_python-3.6_tensorflow-1.9.0:v1.2',
    },
    {
      name: 'os/python left at their defaults take the only variant there is',
      aiArchV: 'tensorflow-1.3.0',
      expected: 'uaishare/cpu_uaiservice_ubuntu-16.04_python-3.6.2_tensorflow-1.3.0:v1.2',
    },
    {
      name: 'os ubuntu-16.04 narrows',
      aiArchV: 'tensorflow-1.9.0',
      os: 'ubuntu-16.04',
      expected: 'uaishare/cpu_uaiservice_ubuntu-16.04_python-2.7_tensorflow-1.9.0:v1.2',
    },
  ])('variants: $name', ({ aiArchV, os, pythonVersion, expected }) => {
    expect(image(tf, { aiArchV, os, pythonVersion })).toBe(expected);
  });

  it('an unknown aiArchV lists the known ones and suggests baseImage', () => {
    const choice = chooseBaseImage(caffePlugin, { ...defaults, aiArchV: 'caffe-2.0.0' });
    expect(choice).toMatchInlineSnapshot(`
      {
        "key": "aiArchV",
        "message": "unknown aiArchV "caffe-2.0.0" for framework caffe; known: caffe-1.0.0, caffe-1.0.0gpu, caffe-intel 1.0.0. Or set baseImage to a full image reference.",
        "ok": false,
      }
    `);
  });

  it('a catalog with no entry for the os/python lists the variants there are', () => {
    const choice = chooseBaseImage(tf, { aiArchV: 'tensorflow-1.9.0', os: 'ubuntu-14.04', pythonVersion: 'python-3.6' });
    expect(choice).toMatchInlineSnapshot(`
      {
        "key": "os",
        "message": "no tensorflow-1.9.0 base image for os "ubuntu-14.04" and pythonVersion "python-3.6"; available: ubuntu-16.04/python-2.7 (uaishare/cpu_uaiservice_ubuntu-16.04_python-2.7_tensorflow-1.9.0:v1.2), ubuntu-16.04/python-3.6 (uaishare/cpu_uaiservice_ubuntu-16.04_python-3.6_tensorflow-1.9.0:v1.2). Set os/pythonVersion to one of them, or set baseImage.",
        "ok": false,
      }
    `);
  });

  it.each([
    { name: 'python 3 for caffe', wanted: { aiArchV: 'caffe-1.0.0', pythonVersion: 'python-3.6' }, key: 'pythonVersion' },
    { name: 'an os prefix that is not a whole word', wanted: { aiArchV: 'caffe-1.0.0', os: 'ubuntu-14' }, key: 'os' },
    { name: 'another os', wanted: { aiArchV: 'caffe-1.0.0', os: 'centos' }, key: 'os' },
    { name: 'an unknown aiArchV', wanted: { aiArchV: 'caffe-9' }, key: 'aiArchV' },
  ])('refuses $name, naming the key to fix', ({ wanted, key }) => {
    expect(chooseBaseImage(caffePlugin, { ...defaults, ...wanted })).toMatchObject({ ok: false, key });
  });

  it('says so when a plugin has no catalog at all', () => {
    const choice = chooseBaseImage({ framework: 'self', catalog: [] }, { ...defaults, aiArchV: 'x' });
    expect(choice).toEqual({
      ok: false,
      key: 'aiArchV',
      message: 'unknown aiArchV "x" for framework self; known: none. Or set baseImage to a full image reference.',
    });
  });

  it.each([
    { input: 'caffe-intel 1.0.0', expected: 'caffe-intel 1.0.0' },
    { input: '  CAFFE-intel\t1.0.0 ', expected: 'caffe-intel 1.0.0' },
  ])('normalizeKey($input)', ({ input, expected }) => {
    expect(normalizeKey(input)).toBe(expected);
  });
});
