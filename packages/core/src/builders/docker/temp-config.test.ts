import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTemporaryDockerConfig, temporaryDockerConfig } from './temp-config.js';

describe('the temporary DOCKER_CONFIG', () => {
  it("keeps the user's logins, takes the login hosts out of credential helpers, and never writes the user's folder", async () => {
    const user = mkdtempSync(path.join(os.tmpdir(), 'uai-user-docker-'));
    mkdirSync(path.join(user, 'contexts', 'meta', 'abc'), { recursive: true });
    writeFileSync(path.join(user, 'contexts', 'meta', 'abc', 'meta.json'), '{"Name":"desktop-linux"}');
    const userConfig = { currentContext: 'desktop-linux', credsStore: 'desktop', auths: { 'ghcr.io': {}, 'uhub.ucloud.cn': {} } };
    writeFileSync(path.join(user, 'config.json'), JSON.stringify(userConfig));

    const temp = await createTemporaryDockerConfig(['uhub.ucloud.cn'], { DOCKER_CONFIG: user });
    try {
      expect(statSync(temp.dir).mode & 0o777).toBe(0o700);
      const config = JSON.parse(readFileSync(path.join(temp.dir, 'config.json'), 'utf8'));
      // Other hosts stay with the user's store; ours is logged into this copy only.
      expect(config).toEqual({ currentContext: 'desktop-linux', auths: { 'ghcr.io': {} }, credHelpers: { 'ghcr.io': 'desktop' } });
      // The CLI still finds the user's contexts (Docker Desktop, rootless, remote engines) and plugins.
      expect(realpathSync(path.join(temp.dir, 'contexts'))).toBe(realpathSync(path.join(user, 'contexts')));
      expect(existsSync(path.join(temp.dir, 'contexts', 'meta', 'abc', 'meta.json'))).toBe(true);
    } finally {
      await temp.remove();
    }
    expect(existsSync(temp.dir)).toBe(false);
    expect(existsSync(path.join(user, 'contexts', 'meta', 'abc', 'meta.json'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(user, 'config.json'), 'utf8'))).toEqual(userConfig);
  });

  it('works for a user with no Docker config at all', () => {
    expect(temporaryDockerConfig({}, ['h'])).toEqual({ auths: {}, credHelpers: {} });
  });
});
