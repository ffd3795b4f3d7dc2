// Evidence at the roadside, end to end (the real server, the release build
// and Debian's Chromium): a photo taken with no network stays through an
// offline reload with its thumbnail, uploads in chunks when the network is
// back and opens on a second tablet; an upload cut by a server crash
// resumes without sending earlier chunks again, and a field edit made
// during a slow upload reaches the other tablet first; a signature drawn
// with pointer events shows on the other tablet and in print, a second one
// supersedes it; the location is taken only on request, and a refused
// permission is explained; another branch cannot fetch the photo; a full
// device keeps the complaint and refuses only the photo.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ARTIFACTS,
  createComplaint,
  eventually,
  fillStorage,
  idb,
  inContext,
  launchBrowser,
  openSignedIn,
  serverOps,
  startServer,
  synced,
  withServer,
} from './lib.js';

const CASE = {
  维修站代码: 'BJ01',
  投诉顾客姓名: '周先生',
  联系电话: '139 1000 2000',
  投诉渠道: '店内面对投诉',
  投诉分类: '产品质量类',
  车辆故障或投诉内容: '高速上左前轮胎鼓包，道路救援到场。',
};

/**
 * Puts a camera-like photo (`width`×`height`, noisy JPEG at 0.92 as phone
 * cameras write) into the photo input, as if taken; resolves to its size in bytes.
 */
async function takePhoto(page, { width = 4000, height = 3000, seed = 1, grain = false, exif = false } = {}) {
  return page.evaluate(
    async ([width, height, seed, grain, exif]) => {
      const canvas = new OffscreenCanvas(width, height);
      const ctx = canvas.getContext('2d');
      const gradient = ctx.createLinearGradient(0, 0, width, height);
      gradient.addColorStop(0, '#2b4a6f');
      gradient.addColorStop(1, '#c9a36b');
      ctx.fillStyle = gradient;
      ctx.fillRect(0, 0, width, height);
      // Texture, as a real scene has (a flat image would compress to nothing).
      let x = seed * 7919;
      const rand = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
      for (let i = 0; i < 6000; i++) {
        ctx.fillStyle = `hsl(${rand() * 360}, 60%, ${30 + rand() * 40}%)`;
        ctx.fillRect(rand() * width, rand() * height, 4 + rand() * 60, 4 + rand() * 60);
      }
      if (grain) {
        // Sensor noise in every pixel: the hardest kind of photo to compress.
        const image = ctx.getImageData(0, 0, width, height);
        for (let i = 0; i < image.data.length; i += 4) {
          const n = (rand() - 0.5) * 120;
          image.data[i] += n;
          image.data[i + 1] += n;
          image.data[i + 2] -= n;
        }
        ctx.putImageData(image, 0, 0);
      }
      let blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.92 });
      if (exif) {
        // As a camera writes it: an EXIF block after the JPEG's first marker,
        // saying "turned 90° clockwise" (orientation 6) and where (a GPS IFD).
        const tiff = [
          0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8, // big-endian TIFF, IFD0 at 8
          0, 2, // two entries
          0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, // Orientation = 6
          0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 38, // GPS IFD at 38
          0, 0, 0, 0, // no next IFD
          0, 1, // GPS IFD: one entry
          0x00, 0x01, 0, 2, 0, 0, 0, 2, 0x4e, 0, 0, 0, // GPSLatitudeRef = "N"
          0, 0, 0, 0,
        ];
        const payload = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff]; // "Exif\0\0"
        const length = payload.length + 2;
        const app1 = new Uint8Array([0xff, 0xe1, length >> 8, length & 0xff, ...payload]);
        const bytes = new Uint8Array(await blob.arrayBuffer());
        blob = new Blob([bytes.subarray(0, 2), app1, bytes.subarray(2)], { type: 'image/jpeg' });
      }
      const file = new File([blob], `IMG_${seed}.jpg`, { type: 'image/jpeg' });
      const input = document.querySelector('[data-testid=photo-input]');
      const dt = new DataTransfer();
      dt.items.add(file);
      input.files = dt.files;
      input.dispatchEvent(new Event('change', { bubbles: true }));
      return file.size;
    },
    [width, height, seed, grain, exif],
  );
}

/** The complaint's id from the page's path (`/c/<id>`). */
async function openFirst(page) {
  await page.locator('.complaint-card').first().click();
  await page.getByTestId('evidence').waitFor();
  return new URL(page.url()).pathname.split('/').pop();
}

/** The photos' values in the server's log for record `rec` (latest per key). */
async function serverPhotos(server, rec) {
  const photos = {};
  for (const o of await serverOps(server)) {
    if (o.rec !== rec) continue;
    for (const [k, v] of Object.entries(o.set)) if (k.startsWith('ph.')) photos[k] = v;
  }
  return Object.values(photos);
}

async function uploadState(server, token, sha) {
  const res = await fetch(`${server.url}/api/v1/photos/uploads/${sha}`, { headers: { authorization: `Bearer ${token}` } });
  return res.json();
}

describe('evidence: photos, signature, location', () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('a photo taken offline survives a reload, uploads when online, opens on a second tablet; the server file has its SHA-256', async () => {
    await withServer(async (server) => {
      await inContext(browser, 'evidence-photo', async (page, context) => {
        await openSignedIn(page, server, 'zhang.wei');
        await createComplaint(page, server.url, CASE);
        await synced(page);
        const rec = await openFirst(page);

        // Every byte sent to the photo upload, chunk by chunk.
        // (The chunk's size from the server's answer: a Blob body is not
        // visible to the page's request events.)
        const puts = [];
        page.on('response', async (r) => {
          if (r.request().method() === 'PUT' && r.url().includes('/photos/uploads/') && r.ok()) {
            const offset = Number(new URL(r.url()).searchParams.get('offset'));
            const { have } = await r.json();
            puts.push({ offset, bytes: have - offset });
          }
        });

        await context.setOffline(true);
        await page.getByTestId('photo-caption').fill('左前轮胎侧面鼓包');
        const original = await takePhoto(page, { seed: 1, exif: true });
        await page.getByText('照片已保存在本机，联网后自动上传').waitFor({ timeout: 30_000 });
        const photo = page.getByTestId('photo');
        await photo.waitFor();
        assert.match(await photo.locator('img').getAttribute('src'), /^data:image\/jpeg;base64,/);
        assert.equal(await photo.locator('.photo__caption').innerText(), '左前轮胎侧面鼓包');
        await page.getByTestId('photo-upload').getByText('等待上传').waitFor();
        assert.match(await page.getByTestId('photo-limits').innerText(), /最多 30 张.*已有 1 张/);
        await page.getByTestId('storage-use').getByText('本机已用存储').waitFor();

        // Reload with no network: the photo and its thumbnail are still here, and it opens.
        await page.reload();
        await page.getByTestId('evidence').waitFor();
        await photo.waitFor();
        assert.match(await photo.locator('img').getAttribute('src'), /^data:image\/jpeg;base64,/);
        await photo.locator('.photo__thumb').click();
        const full = page.getByTestId('photo-full');
        await full.waitFor();
        await eventually(() => full.evaluate((img) => img.complete && img.naturalWidth > 0), 'the image decoded');
        // Turned upright as the camera said (4000×3000 shot sideways: 1200×1600).
        assert.deepEqual(await full.evaluate((img) => [img.naturalWidth, img.naturalHeight]), [1200, 1600]);
        await page.getByTestId('photo-close').click();
        assert.equal(puts.length, 0, 'nothing sent while offline');

        // Online: it uploads by itself.
        const online = Date.now();
        await context.setOffline(false);
        const [meta] = await eventually(async () => {
          const list = await serverPhotos(server, rec);
          return list.length ? list : null;
        }, 'the photo field on the server');
        const token = await server.token('zhang.wei', 'e2e-check');
        await eventually(async () => (await uploadState(server, token, meta.sha256)).done, 'the upload done', 30_000);
        const took = Date.now() - online;
        const file = join(server.dataDir, 'photos', meta.sha256.slice(0, 2), meta.sha256);
        const stored = readFileSync(file);
        assert.equal(createHash('sha256').update(stored).digest('hex'), meta.sha256);
        assert.equal(stored.length, meta.bytes);
        assert.equal(meta.mime, 'image/jpeg');
        assert.deepEqual([meta.width, meta.height], [1200, 1600]);
        const sent = puts.reduce((n, p) => n + p.bytes, 0);
        assert.equal(sent, meta.bytes, 'each byte sent once');
        assert.ok(stored.subarray(0, 2).equals(Buffer.from([0xff, 0xd8])), 'a JPEG');
        assert.ok(!stored.includes(Buffer.from('Exif')), 'no EXIF (and so no GPS position) left in the file');
        await page.getByTestId('photo-upload').getByText('等待上传').waitFor({ state: 'detached' });
        console.log(
          `photo upload: a 12-megapixel camera photo of ${original} bytes was stored as ${meta.bytes} bytes ` +
            `(1200×1600 JPEG, turned upright, EXIF and GPS dropped), sent in ${puts.length} chunk(s) in ${took} ms after the network returned (local link)`,
        );

        // Another photo over the benchmarks' slow link (1.6 Mbit/s down,
        // 750 kbit/s up, 150 ms): how long from saved to stored on the server.
        const cdp = await context.newCDPSession(page);
        await cdp.send('Network.emulateNetworkConditions', {
          offline: false,
          latency: 150,
          downloadThroughput: 1_600_000 / 8,
          uploadThroughput: 750_000 / 8,
        });
        const second = await takePhoto(page, { seed: 4 });
        await page.getByTestId('photo').nth(1).waitFor({ timeout: 30_000 });
        const saved = Date.now();
        const meta2 = await eventually(async () => (await serverPhotos(server, rec)).find((p) => p.id !== meta.id), 'the second photo field');
        await eventually(async () => (await uploadState(server, token, meta2.sha256)).done, 'the second upload', 60_000);
        console.log(
          `photo upload, slow link: a 12-megapixel photo of ${second} bytes, stored as ${meta2.bytes} bytes, ` +
            `uploaded in ${Date.now() - saved} ms over 750 kbit/s up with 150 ms latency`,
        );
        await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

        // A second tablet lists it at once and opens it (downloaded, then kept).
        await inContext(browser, 'evidence-photo-b', async (b) => {
          await openSignedIn(b, server, 'li.na');
          await synced(b);
          await openFirst(b);
          const other = b.getByTestId('photo');
          await other.first().waitFor();
          assert.equal(await other.first().locator('.photo__caption').innerText(), '左前轮胎侧面鼓包');
          await other.first().locator('.photo__thumb').click();
          await b.getByTestId('photo-full').waitFor();
          await eventually(() => b.getByTestId('photo-full').evaluate((img) => img.naturalHeight === 1600), 'decoded on B');
          const kept = await idb(b, 'photo_files', 'getAllKeys');
          assert.ok(kept.includes(meta.id), 'kept for offline');
        });

        // Another branch gets what a photo that does not exist gets.
        const other = await server.token('chen.jie', 'e2e-sh');
        const res = await fetch(`${server.url}/api/v1/records/${rec}/photos/${meta.id}`, {
          headers: { authorization: `Bearer ${other}` },
        });
        assert.equal(res.status, 404);
        assert.equal((await res.json()).error.code, 'not_found');
      });
    });
  });

  test('an upload cut by a server crash resumes without resending chunks; a field edit during a slow upload arrives first', async () => {
    const first = await startServer();
    let server = first;
    try {
      await inContext(browser, 'evidence-resume', async (page, context) => {
        await openSignedIn(page, server, 'zhang.wei');
        await createComplaint(page, server.url, CASE);
        await synced(page);
        const rec = await openFirst(page);
        const puts = [];
        const answered = [];
        page.on('request', (r) => {
          if (r.method() === 'PUT' && r.url().includes('/photos/uploads/')) puts.push(Number(new URL(r.url()).searchParams.get('offset')));
        });
        page.on('response', (r) => {
          if (r.request().method() === 'PUT' && r.url().includes('/photos/uploads/') && r.ok()) answered.push(r.url());
        });
        // A slow uplink: ~80 KB/s up, so a chunk takes seconds.
        const cdp = await context.newCDPSession(page);
        await cdp.send('Network.emulateNetworkConditions', {
          offline: false,
          latency: 150,
          downloadThroughput: 400 * 1024,
          uploadThroughput: 80 * 1024,
        });
        await takePhoto(page, { width: 1600, height: 1200, seed: 2, grain: true });
        await page.getByText('照片已保存在本机，联网后自动上传').waitFor({ timeout: 30_000 });

        // While the photo uploads, a note on the timeline: it reaches the server first.
        await page.getByTestId('entry-form').locator('[data-kind=note]').click();
        await page.getByTestId('entry-text').fill('照片上传中添加的备注');
        await page.getByTestId('entry-add').click();
        const [meta] = await eventually(async () => {
          const list = await serverPhotos(server, rec);
          return list.length ? list : null;
        }, 'the photo field on the server');
        assert.ok(meta.bytes > 2 * 256 * 1024, `a photo of several chunks (${meta.bytes} bytes)`);
        const token = await server.token('li.na', 'e2e-check');
        await eventually(async () => {
          const notes = (await serverOps(server)).filter((o) => o.rec === rec && Object.keys(o.set).some((k) => k.startsWith('tl.')));
          return notes.some((o) => Object.values(o.set).some((v) => v?.text === '照片上传中添加的备注'));
        }, 'the note on the server');
        const during = await uploadState(server, token, meta.sha256);
        assert.equal(during.done, false, 'the note arrived while the photo was still uploading');

        // The server dies after the first chunk is stored; it comes back on the same data.
        await eventually(() => answered.length >= 1, 'the first chunk stored', 60_000);
        await server.stop('SIGKILL');
        const before = puts.length;
        server = await startServer({ dataDir: first.dataDir, port: first.port });
        await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
        const mine = await server.token('zhang.wei', 'e2e-check2');
        await eventually(async () => (await uploadState(server, mine, meta.sha256)).done, 'the upload done after the restart', 90_000);
        const resumed = puts.slice(before);
        assert.ok(resumed.length > 0, 'chunks sent after the restart');
        assert.ok(!resumed.includes(0), `no chunk sent again from the start: ${JSON.stringify(puts)}`);
        const stored = readFileSync(join(server.dataDir, 'photos', meta.sha256.slice(0, 2), meta.sha256));
        assert.equal(createHash('sha256').update(stored).digest('hex'), meta.sha256);
        const uniqueOffsets = new Set(puts);
        console.log(
          `photo resume: ${meta.bytes} bytes in ${uniqueOffsets.size} chunk offset(s); ${before} PUT(s) before the crash, ` +
            `${resumed.length} after, resumed from byte ${Math.min(...resumed)}; the note reached the server before the photo`,
        );
      });
    } finally {
      await server.stop();
      first.cleanup();
    }
  });

  test('a signature drawn with pointer events shows on the other tablet and in print; a second one supersedes the first', async () => {
    await withServer(async (server) => {
      await inContext(browser, 'evidence-signature', async (page) => {
        await openSignedIn(page, server, 'zhang.wei');
        await createComplaint(page, server.url, CASE);
        await openFirst(page);
        const sign = async (text, strokes) => {
          await page.getByTestId('signature-start').click();
          await page.getByTestId('signature-text').fill(text);
          assert.equal(await page.getByTestId('signature-signer').inputValue(), '周先生');
          await page.getByTestId('signature-pad').scrollIntoViewIfNeeded();
          const box = await page.getByTestId('signature-pad').boundingBox();
          for (const stroke of strokes) {
            await page.mouse.move(box.x + stroke[0][0] * box.width, box.y + stroke[0][1] * box.height);
            await page.mouse.down();
            for (const [x, y] of stroke.slice(1)) await page.mouse.move(box.x + x * box.width, box.y + y * box.height, { steps: 4 });
            await page.mouse.up();
          }
          await page.getByTestId('signature-save').click();
          await page.getByText('签字已保存').waitFor();
        };
        // Saving an empty pad, or without the text signed, is refused in plain words.
        await page.getByTestId('signature-start').click();
        await page.getByTestId('signature-save').click();
        await page.getByTestId('signature-error').getByText('请先在签字区签字').waitFor();
        await page.getByTestId('signature-pad').scrollIntoViewIfNeeded();
        const pad = await page.getByTestId('signature-pad').boundingBox();
        await page.mouse.move(pad.x + 20, pad.y + 20);
        await page.mouse.down();
        await page.mouse.move(pad.x + 80, pad.y + 60, { steps: 3 });
        await page.mouse.up();
        assert.equal(await page.getByTestId('signature-text').inputValue(), '', 'nothing to start from yet');
        await page.getByTestId('signature-save').click();
        await page.getByTestId('signature-error').getByText('请填写顾客签字确认的内容').waitFor();
        await page.getByTestId('signature-clear').click();
        // The pad stays open after the refusal: sign on it.
        await page.getByTestId('signature-clear').click();
        await page.getByTestId('signature-text').fill('更换左前轮胎，费用由厂方承担。');
        await page.getByTestId('signature-pad').scrollIntoViewIfNeeded();
        const box = await page.getByTestId('signature-pad').boundingBox();
        await page.mouse.move(box.x + 0.1 * box.width, box.y + 0.5 * box.height);
        await page.mouse.down();
        await page.mouse.move(box.x + 0.5 * box.width, box.y + 0.2 * box.height, { steps: 8 });
        await page.mouse.move(box.x + 0.9 * box.width, box.y + 0.6 * box.height, { steps: 8 });
        await page.mouse.up();
        await page.getByTestId('signature-save').click();
        await page.getByText('签字已保存').waitFor();
        const current = page.getByTestId('signature-current');
        assert.equal(await current.locator('polyline').count(), 1);
        assert.match(await current.innerText(), /更换左前轮胎，费用由厂方承担。[\s\S]*周先生 签字/);

        await sign('更换左前轮胎及轮毂，费用由厂方承担。', [
          [[0.1, 0.3], [0.3, 0.7], [0.5, 0.3]],
          [[0.6, 0.3], [0.9, 0.7]],
        ]);
        assert.equal(await current.locator('polyline').count(), 2);
        assert.match(await current.innerText(), /轮毂/);
        assert.match(await page.getByTestId('signature-older').innerText(), /已被新签字取代 \(1\)/);
        await synced(page);

        await inContext(browser, 'evidence-signature-b', async (b) => {
          await openSignedIn(b, server, 'li.na');
          await synced(b);
          await openFirst(b);
          const shown = b.getByTestId('signature-current');
          await shown.waitFor();
          assert.match(await shown.innerText(), /轮毂[\s\S]*周先生 签字，张伟 见证/);
          assert.equal(await shown.locator('polyline').count(), 2);
          const points = await shown.locator('polyline').first().getAttribute('points');
          assert.ok(points.split(' ').length >= 5, `the stroke's points: ${points}`);
          await b.getByTestId('signature-older').locator('summary').click();
          assert.match(await b.getByTestId('signature-older').innerText(), /费用由厂方承担。/);
          // In print: the signature is there, the pad's buttons are not.
          await b.emulateMedia({ media: 'print' });
          assert.ok(await shown.locator('svg').isVisible());
          assert.ok(!(await b.getByTestId('signature-start').isVisible()));
          await b.screenshot({ path: join(ARTIFACTS, 'signature-print.png'), fullPage: true });
        });
      });
    });
  });

  test('the location is taken on request from a mocked position; a refused permission is explained', async () => {
    await withServer(async (server) => {
      const position = { latitude: 39.90872, longitude: 116.39748, accuracy: 12 };
      await inContext(
        browser,
        'evidence-location',
        async (page) => {
          await openSignedIn(page, server, 'zhang.wei');
          await createComplaint(page, server.url, CASE);
          await openFirst(page);
          assert.equal(await page.getByTestId('position').count(), 0, 'never recorded silently');
          await page.getByTestId('record-location').click();
          const coords = page.getByTestId('position-coords');
          await coords.waitFor();
          assert.equal(await coords.innerText(), '39.90872, 116.39748');
          assert.match(await page.getByTestId('position').innerText(), /精度约 12 米/);
          assert.equal(await page.getByTestId('position-map').getAttribute('href'), 'geo:39.908720,116.397480?q=39.908720,116.397480');
          await synced(page);
          const ops = await serverOps(server);
          const loc = ops.flatMap((o) => Object.entries(o.set)).find(([k]) => k.startsWith('loc.'));
          assert.equal(loc[1].lat, 39.90872);
          assert.equal(loc[1].by, '张伟');
        },
        { geolocation: position, permissions: ['geolocation'] },
      );
      await inContext(browser, 'evidence-location-denied', async (page, context) => {
        await openSignedIn(page, server, 'zhang.wei');
        await synced(page);
        await openFirst(page);
        await context.clearPermissions();
        await page.getByTestId('record-location').click();
        const error = page.getByTestId('location-error');
        await error.waitFor({ timeout: 40_000 });
        assert.match(await error.innerText(), /未获得定位权限：请在浏览器设置中允许本应用使用位置信息/);
        assert.equal(await page.getByTestId('position').count(), 1, 'only the first tablet’s position');
      });
    });
  });

  test('storage full: the photo is refused in plain words and the complaint is kept without it', async () => {
    await withServer(async (server) => {
      await inContext(browser, 'evidence-quota', async (page, context) => {
        await openSignedIn(page, server, 'zhang.wei');
        await createComplaint(page, server.url, CASE);
        await openFirst(page);
        const release = await fillStorage(page, context, server.url, 50_000);
        await page.getByTestId('photo-caption').fill('装不下的照片');
        await takePhoto(page, { seed: 3 });
        const notice = page.getByTestId('photo-notice').and(page.locator('.notice--error'));
        await notice.waitFor({ timeout: 30_000 });
        assert.match(await notice.innerText(), /设备存储空间已满：照片未保存，投诉本身不受影响/);
        await page.screenshot({ path: join(ARTIFACTS, 'photo-quota-1024x768.png') });
        assert.equal(await page.getByTestId('photo').count(), 0);
        assert.equal(await page.getByTestId('photo-caption').inputValue(), '装不下的照片', 'the caption stays');
        assert.equal(await idb(page, 'photo_files', 'count'), 0);
        assert.equal(await idb(page, 'photo_uploads', 'count'), 0);
        // The complaint is there, whole.
        await page.reload();
        await page.getByTestId('evidence').waitFor();
        assert.equal(await page.getByLabel('投诉顾客姓名').inputValue(), '周先生');
        await release();
      });
    });
  });
});
