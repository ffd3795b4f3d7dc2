//! Realistic complaints for tests, benchmarks and demos: the worked example
//! from the source documents, and a generator of varied Chinese complaints.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use crate::model::{Category, Channel, Complaint, Nature, ServiceStage, Status};
use crate::money::Cny;

/// The worked example from the sources: brake shudder at motorway speed, a
/// customer working in the media, resolved and closed with a satisfied customer.
pub fn worked_example(id: &str, received_at: DateTime<Utc>) -> Complaint {
    Complaint {
        id: id.to_string(),
        case_number: "BJ01-20261123-7KQ2MZ-0001".into(),
        oem_case_number: "CAC-2026-0815".into(),
        branch_code: "BJ01".into(),
        branch_name: "北京朝阳特约售后服务中心".into(),
        received_at,
        handler: "王经理".into(),
        customer_name: "李先生".into(),
        phone: "138 0013 8000".into(),
        customer_background: "在媒体工作，表示如不满意将公开曝光".into(),
        vin: "LSVAU218XN2183294".into(),
        plate: "京A·12345".into(),
        vehicle_model: "帕萨特 2.0T".into(),
        mileage_km: Some(23_560),
        purchase_date: NaiveDate::from_ymd_opt(2025, 9, 1),
        channel: Channel::Manufacturer,
        location: String::new(),
        category: Category::Quality,
        content: "保修期内，高速行驶制动时方向盘强烈抖动。维修站仅光盘处理，问题依旧。".into(),
        nature: Nature::MediaExposure,
        demand: "免费更换相关零件并立即修好".into(),
        repeat_repairs: Some(1),
        compensation_requested: None,
        compensation_agreed: Some(Cny::from_yuan(0)),
        tracking: "已更换制动盘、制动片及相关零件，故障排除".into(),
        final_result: "车辆完全修复，顾客对处理过程和结果满意".into(),
        root_cause: "首次维修只做光盘处理，未查明根本原因；整改：制动抖动一律检测盘跳动并更换"
            .into(),
        service_stage: Some(ServiceStage::Repair),
        customer_satisfied: Some(true),
        status: Status::Closed,
        created_at: received_at,
        updated_at: received_at,
        created_on_device: "device-fixture".into(),
        timeline: Vec::new(),
        steps: Default::default(),
        photos: Vec::new(),
        signatures: Vec::new(),
        positions: Vec::new(),
    }
}

const NAMES: [&str; 8] = [
    "张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强",
];
const MODELS: [&str; 5] = ["帕萨特", "途观L", "朗逸", "迈腾", "速腾"];
const FAULTS: [&str; 6] = [
    "冷车启动时发动机异响，怠速抖动明显，已在本站检查两次未能解决。",
    "变速箱换挡顿挫，二挡升三挡时有明显冲击感，顾客担心安全。",
    "空调制冷效果差，出风口有异味，夏季无法正常使用。",
    "销售顾问承诺的赠品未兑现，顾客多次致电无人回复。",
    "更换的备件三天后再次损坏，怀疑为非原厂配件。",
    "保养时间过长，等待超过四小时且未提前告知，服务态度差。",
];

fn closed_text(status: Status, text: &str) -> String {
    if status == Status::Closed {
        text.into()
    } else {
        String::new()
    }
}

/// A generated complaint number `n` (deterministic), with about 1.2 KB of
/// JSON including Chinese text: for benchmarks and list tests.
pub fn generated(n: u32, device_id: &str) -> Complaint {
    let base = Utc
        .with_ymd_and_hms(2026, 1, 1, 8, 0, 0)
        .single()
        .unwrap_or_default();
    let received_at = base + Duration::minutes(i64::from(n) * 37);
    let channel = Channel::ALL[n as usize % Channel::ALL.len()];
    let category = Category::ALL[n as usize % Category::ALL.len()];
    let status = Status::ALL[n as usize % Status::ALL.len()];
    Complaint {
        id: format!("00000000-0000-4000-8000-{n:012}"),
        case_number: format!(
            "GZ{:02}-{}-0G7K2M-{:04}",
            n % 7,
            crate::timefmt::date_compact(received_at.date_naive()),
            n % 10_000
        ),
        oem_case_number: if n % 4 == 0 {
            format!("CAC-{n:08}")
        } else {
            String::new()
        },
        branch_code: format!("GZ{:02}", n % 7),
        branch_name: format!("广州第{}特约售后服务中心", n % 7 + 1),
        received_at,
        handler: NAMES[(n as usize + 3) % NAMES.len()].into(),
        customer_name: format!("{}{}", NAMES[n as usize % NAMES.len()], n),
        phone: format!("139{:08}", n),
        customer_background: if n % 9 == 0 {
            "自媒体从业者".into()
        } else {
            String::new()
        },
        vin: String::new(),
        plate: format!("粤A{:05}", n % 100_000),
        vehicle_model: MODELS[n as usize % MODELS.len()].into(),
        mileage_km: Some(1_000 + n * 13 % 150_000),
        purchase_date: NaiveDate::from_ymd_opt(2024, 1 + n % 12, 1 + n % 28),
        channel,
        location: String::new(),
        category,
        content: format!(
            "{}顾客表示：{}车辆近期多次出现同样问题，希望尽快给出明确答复和解决方案。编号{}。",
            FAULTS[n as usize % FAULTS.len()],
            MODELS[n as usize % MODELS.len()],
            n
        ),
        nature: Nature::ALL[n as usize % 7 % Nature::ALL.len()],
        demand: "尽快修复，并给予合理补偿".into(),
        repeat_repairs: Some(n % 4),
        compensation_requested: Some(Cny::from_yuan(i64::from(n % 20) * 1_000)),
        compensation_agreed: None,
        tracking: "已联系顾客，安排技术经理复检车辆，等待厂家技术支持回复。".into(),
        // A closed complaint has what closing needs.
        final_result: closed_text(status, "已修复，顾客确认问题解决"),
        root_cause: closed_text(status, "维修工艺不规范；已组织技师培训并更新检查单"),
        service_stage: (status == Status::Closed)
            .then(|| ServiceStage::ALL[(n / 4) as usize % ServiceStage::ALL.len()]),
        customer_satisfied: (status == Status::Closed).then_some(n % 3 != 0),
        status,
        created_at: received_at,
        updated_at: received_at,
        created_on_device: device_id.into(),
        timeline: Vec::new(),
        steps: Default::default(),
        photos: Vec::new(),
        signatures: Vec::new(),
        positions: Vec::new(),
    }
}
