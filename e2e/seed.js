// Seeding a tablet with many complaints, for the test and the benchmark that
// need thousands (a push killed half way, the sync figures): written into the
// app's IndexedDB from the page the way the app writes a new complaint — the
// complaint, its sync state and its creation op queued with the next outbox
// number, in one transaction each — and the device's clock kept. The app
// ships no test hooks for this (every user would download them); the records
// follow the app's storage format, so a change of that format shows up here
// as records the app reports unreadable, or ops the server refuses.

/**
 * Generated complaint number `i` of `device` (the shared crate's
 * `fixtures::generated`, in JavaScript): about 1.2 KB of JSON with Chinese
 * text, filed under GZ00…GZ06 (an administrator's scope). Without `id` and
 * `updated_at`: the fields a creation op sets.
 */
export function fixture(i, device) {
  const NAMES = ['张伟', '王芳', '李娜', '刘洋', '陈静', '杨磊', '赵敏', '黄强'];
  const MODELS = ['帕萨特', '途观L', '朗逸', '迈腾', '速腾'];
  const FAULTS = [
    '冷车启动时发动机异响，怠速抖动明显，已在本站检查两次未能解决。',
    '变速箱换挡顿挫，二挡升三挡时有明显冲击感，顾客担心安全。',
    '空调制冷效果差，出风口有异味，夏季无法正常使用。',
    '销售顾问承诺的赠品未兑现，顾客多次致电无人回复。',
    '更换的备件三天后再次损坏，怀疑为非原厂配件。',
    '保养时间过长，等待超过四小时且未提前告知，服务态度差。',
  ];
  const CHANNELS = ['in_person', 'phone', 'letter_email', 'manufacturer', 'other_body'];
  const CATEGORIES = ['S', 'SA', 'SQ', 'SP', 'OT'];
  const NATURES = ['general', 'media', 'consumer_association', 'legal'];
  const pad = (v, w) => String(v).padStart(w, '0');
  const received = new Date(Date.UTC(2026, 0, 1, 8, 0, 0) + i * 37 * 60_000);
  const at = received.toISOString().replace('.000Z', 'Z');
  return {
    case_number: `GZ${pad(i % 7, 2)}-${at.slice(0, 10).replaceAll('-', '')}-0G7K2M-${pad(i % 10_000, 4)}`,
    oem_case_number: i % 4 === 0 ? `CAC-${pad(i, 8)}` : '',
    branch_code: `GZ${pad(i % 7, 2)}`,
    branch_name: `广州第${(i % 7) + 1}特约售后服务中心`,
    received_at: at,
    handler: NAMES[(i + 3) % NAMES.length],
    customer_name: `${NAMES[i % NAMES.length]}${i}`,
    phone: `139${pad(i, 8)}`,
    customer_background: i % 9 === 0 ? '自媒体从业者' : '',
    vin: '',
    plate: `粤A${pad(i % 100_000, 5)}`,
    vehicle_model: MODELS[i % MODELS.length],
    mileage_km: 1_000 + ((i * 13) % 150_000),
    purchase_date: `2024-${pad(1 + (i % 12), 2)}-${pad(1 + (i % 28), 2)}`,
    channel: CHANNELS[i % CHANNELS.length],
    location: '',
    category: CATEGORIES[i % CATEGORIES.length],
    content: `${FAULTS[i % FAULTS.length]}顾客表示：${MODELS[i % MODELS.length]}车辆近期多次出现同样问题，希望尽快给出明确答复和解决方案。编号${i}。`,
    nature: NATURES[(i % 7) % NATURES.length],
    demand: '尽快修复，并给予合理补偿',
    repeat_repairs: i % 4,
    compensation_requested: (i % 20) * 1_000 * 100, // fen
    compensation_agreed: null,
    tracking: '已联系顾客，安排技术经理复检车辆，等待厂家技术支持回复。',
    final_result: '',
    root_cause: '',
    service_stage: null,
    customer_satisfied: null,
    status: 'on_going',
    created_at: at,
    created_on_device: device,
  };
}

/**
 * Complaint `i` worked through the handling process (for the KPI figures):
 * sets its status and closing fields on `set` and returns its timeline — a
 * contact 0.5–5 h after receipt (3 in 5 within the 2 h), and for 3 in 4 a
 * closing 1–70 days after receipt and a callback 2 days later (2 in 3 reach
 * the customer; 4 in 5 of the closed are satisfied).
 */
export function handled(set, i) {
  const t0 = Date.parse(set.received_at);
  const h = 3_600_000;
  const iso = (t) => new Date(t).toISOString().replace('.000Z', 'Z');
  const entry = (k, kind, after, extra) => ({
    id: `s${i}-${k}`,
    kind,
    at: iso(t0 + after),
    recorded: iso(t0 + after),
    by: set.handler,
    dev: set.created_on_device,
    ...extra,
  });
  const timeline = [entry(1, 'contact', [0.5, 1, 1.5, 3, 5][i % 5] * h, { method: 'phone', reached: true })];
  if (i % 4 !== 3) {
    const days = [1, 2, 5, 10, 20, 45, 70][i % 7];
    timeline.push(entry(2, 'status', days * 24 * h, { from: 'on_going', status: 'closed' }));
    timeline.push(entry(3, 'callback', (days + 2) * 24 * h, { method: 'phone', reached: i % 3 !== 0 }));
    // Where it went wrong, as closing needs: one of the seven stages or "not a gap".
    const STAGES = ['appointment', 'preparation', 'reception', 'repair', 'quality_check', 'delivery', 'follow_up', 'not_a_gap'];
    Object.assign(set, {
      status: 'closed',
      final_result: '已修复，顾客确认',
      root_cause: '部件故障',
      service_stage: STAGES[i % STAGES.length],
      customer_satisfied: i % 5 !== 0,
    });
  }
  return timeline;
}

/**
 * Runs in the page: writes complaints `first`…`first + n - 1`, `perTx` to a
 * transaction (1: as the app writes them); resolves to the ms the writes took.
 */
async function seedInPage(n, first, fixture, handled, perTx = 1) {
  const OP_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
  const opId = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => OP_ALPHABET[b & 31]).join('');
  const request = (r) =>
    new Promise((resolve, reject) => {
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  const done = (tx) =>
    new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  const db = await request(indexedDB.open('complaint-desk'));
  const setting = async (key) => {
    const text = await request(db.transaction('settings').objectStore('settings').get(key));
    return text === undefined ? undefined : JSON.parse(text);
  };
  const device = (await setting('device'))?.id;
  if (!device) throw new Error('open the app once first (no device id yet)');
  let [wall, counter] = ((await setting('hlc'))?.last ?? '0-0').split('-').map(Number);
  const started = performance.now();
  let tx;
  let inTx = 0;
  let seq = 0;
  for (let i = first; i < first + n; i += 1) {
    // The device's clock: after every stamp it issued or saw.
    const now = Date.now();
    if (now > wall) [wall, counter] = [now, 0];
    else counter += 1;
    const hlc = `${wall}-${counter}`;
    const id = crypto.randomUUID();
    const set = fixture(i, device);
    const timeline = handled ? handled(set, i) : [];
    const complaint = { id, ...set, timeline, updated_at: new Date(wall).toISOString() };
    for (const e of timeline) set[`tl.${e.id}`] = e;
    const op = { id: opId(), rec: id, hlc, dev: device, set };
    const fields = Object.fromEntries(Object.entries(set).map(([k, v]) => [k, { heads: [{ op: op.id, v }] }]));
    const state = { id, ops: { [op.id]: { hlc, dev: device } }, fields };
    if (!tx) {
      tx = db.transaction(['complaints', 'record_states', 'outbox_queue', 'settings'], 'readwrite');
      inTx = 0;
    }
    const settings = tx.objectStore('settings');
    // One at a time, as the app does: the counter and the state read in the
    // write's transaction. In bulk, the counter once per transaction.
    if (perTx === 1 || inTx === 0) seq = Number(JSON.parse((await request(settings.get('outbox_seq'))) ?? '0'));
    seq += 1;
    settings.put(String(seq), 'outbox_seq');
    if (perTx === 1) await request(tx.objectStore('record_states').get(id));
    tx.objectStore('complaints').put(JSON.stringify(complaint), id);
    tx.objectStore('record_states').put(JSON.stringify(state), id);
    // The outbox's key: the number, zero-padded to 20 digits, ':' and the op id.
    tx.objectStore('outbox_queue').put(JSON.stringify({ seq, op }), `${String(seq).padStart(20, '0')}:${op.id}`);
    if (++inTx === perTx || i === first + n - 1) {
      await done(tx);
      tx = undefined;
    }
  }
  const elapsed = performance.now() - started;
  const clock = db.transaction('settings', 'readwrite');
  clock.objectStore('settings').put(JSON.stringify({ last: `${wall}-${counter}` }), 'hlc');
  await done(clock);
  db.close();
  return elapsed;
}

/**
 * Writes `n` generated complaints (numbers `first`…) on the tablet open in
 * `page`, each queued to be sent, as if taken in one by one offline; resolves
 * to the time the writes took (ms); `withHandling`: each with the timeline
 * and status of [`handled`]; `perTx`: complaints per IndexedDB transaction
 * (1, as the app writes them; more to seed 100,000 in reasonable time).
 * Reload the page afterwards: the app reads its clock and list when it starts.
 */
export function seedLocalComplaints(page, n, first = 0, { withHandling = false, perTx = 1 } = {}) {
  return page.evaluate(`(${seedInPage})(${n}, ${first}, ${fixture}, ${withHandling ? handled : null}, ${perTx})`);
}

/**
 * Creation ops for `count` complaints of `branch` received in `month`
 * (`YYYY-MM`), each worked through the handling process (`handled`), as a
 * device `device` would push them: for the KPI screenshots.
 */
export function monthOfComplaints(branch, branchName, month, count, first = 0, device = 'seed-tablet') {
  const [y, m] = month.split('-').map(Number);
  const start = Date.UTC(y, m - 1, 1, 1, 0);
  return Array.from({ length: count }, (_, k) => {
    const i = first + k;
    const received = new Date(start + k * Math.floor((27 * 86_400_000) / count)).toISOString().replace('.000Z', 'Z');
    const set = {
      ...fixture(i, device),
      branch_code: branch,
      branch_name: branchName,
      case_number: `${branch}-${month.replace('-', '')}01-SEED00-${String(i % 10_000).padStart(4, '0')}`,
      received_at: received,
      created_at: received,
    };
    for (const e of handled(set, i)) set[`tl.${e.id}`] = e;
    return { id: `seedop${String(i).padStart(10, '0')}`, rec: crypto.randomUUID(), hlc: `${Date.now()}-${i}`, dev: device, set };
  });
}
