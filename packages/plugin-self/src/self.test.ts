import { checkInputs, previewModel } from '@uai/core';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import self from './self.js';

const base = { framework: 'self', baseImage: 'registry.example.com/team/server:1.0', confFile: 'conf/my_service.json' };

describe('@uai/plugin-self', () => {
  it('uses the given base image and names the user config, generating none', async () => {
    const preview = await previewModel(self(), base);
    expect(preview.issues).toEqual([]);
    expect(preview.serviceConfig).toBeUndefined();
    expect(preview.plan?.baseImage).toBe('registry.example.com/team/server:1.0');
    expect(preview.plan?.env).toEqual([{ name: 'UAI_SERVICE_CONFIG', value: '/ai-ucloud-client-django/my_service.json' }]);
    expect(preview.dockerfile).toContain('COPY my_service.json /ai-ucloud-client-django/my_service.json');
    expect(preview.files?.map((file) => file.path)).toEqual(['uaiservice.Dockerfile']);
  });

  it.each([
    { name: 'baseImage missing', model: { baseImage: undefined }, path: 'models[0].baseImage' },
    { name: 'confFile missing', model: { confFile: undefined }, path: 'models[0].confFile' },
    { name: 'confFile outside', model: { confFile: '../secret.json' }, path: 'models[0].confFile' },
    { name: 'confFile with a space', model: { confFile: 'conf/my service.json' }, path: 'models[0].confFile' },
  ])('$name is an error naming the key', async ({ model, path: key }) => {
    const preview = await previewModel(self(), { ...base, ...model });
    expect(preview.issues.map((issue) => issue.path)).toEqual([key]);
  });

  it('fails when the config file is missing', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'uai-self-'));
    mkdirSync(path.join(root, 'code'), { recursive: true });
    const { plan } = await previewModel(self(), base, { root });
    await expect(checkInputs(plan!, root)).rejects.toThrow('confFile conf/my_service.json does not exist');
    mkdirSync(path.join(root, 'conf'));
    writeFileSync(path.join(root, 'conf', 'my_service.json'), '{}');
    await expect(checkInputs(plan!, root)).resolves.toBeUndefined();
  });
});
