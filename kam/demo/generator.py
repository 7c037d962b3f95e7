"""The demo company: a Chinese rail-equipment vendor with three-plus years of history.

``generate(seed, today)`` returns a data bundle (spec/DATASET.md) built with one
``random.Random(seed)``: the same seed and day give byte-identical CSVs. History starts on
1 January three years before ``today`` so that the last full year, the year before and the one
before that are all complete (growth shares compare a year with its previous one).

The story: three regions (华东, 华北, 华南), each with a region head, two sales teams and a presales
team; ~300 railway bureaus, metro groups, rolling-stock makers and other rail customers; deals
that are captured or incubated, reviewed, worked by presales engineers, won or lost against
competitors; contracts with lines, payments and deliveries; visits, expenses, customer requests
and surveys; yearly key-account tiering. Reps join and leave; their customers are handed over.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field

from kam.demo.bundle import COLUMNS, write_bundle

__all__ = [
    "DEFAULT_SEED",
    "DEMO_PASSWORD",
    "DEMO_TODAY",
    "generate",
    "write_bundle",
]

DEMO_TODAY = dt.date(2026, 11, 23)
DEFAULT_SEED = 20260101
DEMO_PASSWORD = "demo1234"
DAY = dt.timedelta(days=1)

STAGES = ("establishment", "needs", "solution", "bid", "negotiation", "contract")

# --------------------------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------------------------

# Public holidays (inclusive ranges) and make-up working days (调休), per the State Council's
# yearly notices.
_CALENDAR: dict[int, tuple[list[tuple[str, str]], list[str]]] = {
    2023: (
        [
            ("2023-01-01", "2023-01-02"),
            ("2023-01-21", "2023-01-27"),
            ("2023-04-05", "2023-04-05"),
            ("2023-04-29", "2023-05-03"),
            ("2023-06-22", "2023-06-24"),
            ("2023-09-29", "2023-10-06"),
        ],
        ["2023-01-28", "2023-01-29", "2023-04-23", "2023-05-06", "2023-06-25", "2023-10-07"]
        + ["2023-10-08"],
    ),
    2024: (
        [
            ("2024-01-01", "2024-01-01"),
            ("2024-02-10", "2024-02-17"),
            ("2024-04-04", "2024-04-06"),
            ("2024-05-01", "2024-05-05"),
            ("2024-06-08", "2024-06-10"),
            ("2024-09-15", "2024-09-17"),
            ("2024-10-01", "2024-10-07"),
        ],
        ["2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11", "2024-09-14"]
        + ["2024-09-29", "2024-10-12"],
    ),
    2025: (
        [
            ("2025-01-01", "2025-01-01"),
            ("2025-01-28", "2025-02-04"),
            ("2025-04-04", "2025-04-06"),
            ("2025-05-01", "2025-05-05"),
            ("2025-05-31", "2025-06-02"),
            ("2025-10-01", "2025-10-08"),
        ],
        ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"],
    ),
    2026: (
        [
            ("2026-01-01", "2026-01-03"),
            ("2026-02-15", "2026-02-23"),
            ("2026-04-04", "2026-04-06"),
            ("2026-05-01", "2026-05-05"),
            ("2026-06-19", "2026-06-21"),
            ("2026-09-25", "2026-09-27"),
            ("2026-10-01", "2026-10-07"),
        ],
        ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"],
    ),
}
# For a year without a published notice: the fixed-date holidays only.
_FIXED_HOLIDAYS = [("01-01", "01-01"), ("05-01", "05-03"), ("10-01", "10-07")]

REGIONS = [("EAST", "华东区", "华东"), ("NORTH", "华北区", "华北"), ("SOUTH", "华南区", "华南")]

# username, name, role, team, hourly cost (CNY), joined_on, left_on
USERS = [
    ("ceo", "王建国", "executive", "", 800, "2010-03-01", ""),
    ("admin", "李静", "admin", "", 200, "2016-05-09", ""),
    ("chen.zhiqiang", "陈志强", "manager", "EAST", 520, "2012-07-02", ""),
    ("liu.yang", "刘洋", "manager", "EAST-S1", 420, "2015-03-16", ""),
    ("zhang.wei", "张伟", "kam", "EAST-S1", 320, "2016-08-01", ""),
    ("li.na", "李娜", "sales", "EAST-S1", 260, "2019-04-15", "2024-08-31"),
    ("zhou.jie", "周杰", "sales", "EAST-S1", 240, "2024-08-01", ""),
    ("huang.lei", "黄磊", "manager", "EAST-S2", 430, "2014-11-03", ""),
    ("wu.min", "吴敏", "kam", "EAST-S2", 330, "2017-02-20", ""),
    ("xu.tao", "徐涛", "sales", "EAST-S2", 270, "2020-06-01", ""),
    ("sun.li", "孙丽", "presales", "EAST-PS", 380, "2016-09-01", ""),
    ("ma.chao", "马超", "presales", "EAST-PS", 350, "2019-07-08", ""),
    ("zhao.guodong", "赵国栋", "manager", "NORTH", 510, "2012-10-08", ""),
    ("guo.feng", "郭峰", "manager", "NORTH-S1", 410, "2015-05-18", ""),
    ("wang.fang", "王芳", "kam", "NORTH-S1", 320, "2017-09-11", ""),
    ("yang.fan", "杨帆", "sales", "NORTH-S1", 260, "2021-03-01", ""),
    ("he.jing", "何静", "manager", "NORTH-S2", 420, "2016-01-04", ""),
    ("gao.xiang", "高翔", "kam", "NORTH-S2", 310, "2018-05-02", ""),
    ("luo.lin", "罗琳", "sales", "NORTH-S2", 230, "2025-03-03", ""),
    ("lin.hai", "林海", "presales", "NORTH-PS", 370, "2015-12-01", ""),
    ("zheng.yu", "郑宇", "presales", "NORTH-PS", 340, "2020-02-17", ""),
    ("song.jia", "宋佳", "presales", "NORTH-PS", 330, "2018-10-15", "2025-05-31"),
    ("liang.wei", "梁伟", "manager", "SOUTH", 500, "2013-04-01", ""),
    ("xie.jun", "谢军", "manager", "SOUTH-S1", 400, "2016-06-13", ""),
    ("han.xue", "韩雪", "kam", "SOUTH-S1", 310, "2018-03-19", ""),
    ("tang.liang", "唐亮", "sales", "SOUTH-S1", 250, "2020-09-01", "2025-10-31"),
    ("feng.yu", "冯雨", "sales", "SOUTH-S1", 240, "2025-10-08", ""),
    ("cao.yang", "曹阳", "manager", "SOUTH-S2", 410, "2017-08-21", ""),
    ("xu.qing", "许晴", "kam", "SOUTH-S2", 320, "2017-11-06", ""),
    ("deng.chao", "邓超", "sales", "SOUTH-S2", 250, "2023-06-01", ""),
    ("peng.bo", "彭博", "presales", "SOUTH-PS", 360, "2017-04-10", ""),
    ("jiang.xin", "蒋欣", "presales", "SOUTH-PS", 320, "2024-04-01", ""),
    ("tian.ye", "田野", "delivery", "", 300, "2016-02-15", ""),
    ("yuan.ming", "袁明", "delivery", "", 280, "2024-02-26", ""),
    ("dong.jie", "董洁", "service", "", 220, "2018-08-06", ""),
    ("pan.wei", "潘伟", "service", "", 210, "2021-11-15", ""),
]

# A sales "slot" is a book of customers; its holder changes when a rep leaves or joins
# (username, last day held — None = still holds it). Slots 0 and 2 of a region are KAM books.
SLOTS: dict[str, list[list[tuple[str, str | None]]]] = {
    "EAST": [
        [("zhang.wei", None)],
        [("li.na", "2024-08-31"), ("zhou.jie", None)],
        [("wu.min", None)],
        [("xu.tao", None)],
    ],
    "NORTH": [
        [("wang.fang", None)],
        [("yang.fan", None)],
        [("gao.xiang", None)],
        [("gao.xiang", "2025-03-02"), ("luo.lin", None)],
    ],
    "SOUTH": [
        [("han.xue", None)],
        [("tang.liang", "2025-10-31"), ("feng.yu", None)],
        [("xu.qing", None)],
        [("xu.qing", "2023-05-31"), ("deng.chao", None)],
    ],
}

# code, name, product line, list price (CNY)
PRODUCTS = [
    ("SIG-CBTC", "CBTC信号系统（正线每公里）", "信号系统", 4_500_000),
    ("SIG-CI", "计算机联锁系统（每站）", "信号系统", 1_800_000),
    ("SIG-ATP", "车载ATP设备（每列）", "信号系统", 950_000),
    ("SIG-TCC", "列控中心设备（每站）", "信号系统", 1_200_000),
    ("INS-GEO", "轨道几何综合检测车", "轨道检测", 18_000_000),
    ("INS-UT", "钢轨超声波探伤仪", "轨道检测", 380_000),
    ("INS-ROBOT", "隧道智能巡检机器人", "轨道检测", 650_000),
    ("PWR-SUB", "牵引变电所成套设备（每所）", "牵引供电", 9_000_000),
    ("PWR-REGEN", "再生制动能量回馈装置", "牵引供电", 2_600_000),
    ("PWR-OCS", "接触网动态检测装置", "牵引供电", 1_500_000),
    ("RS-BOGIE", "转向架检修线", "车辆维保", 26_000_000),
    ("RS-WHEEL", "车轮踏面在线诊断系统", "车辆维保", 4_200_000),
    ("RS-OVH", "车辆架修服务（每列）", "车辆维保", 1_600_000),
    ("PSD-FULL", "全高站台门系统（每站）", "站台门", 2_300_000),
    ("PSD-HALF", "半高安全门系统（每站）", "站台门", 1_400_000),
    ("SVC-PHM", "智能运维平台（PHM）", "运维服务", 6_000_000),
    ("SVC-MAINT", "年度维保服务（每线）", "运维服务", 3_000_000),
    ("SVC-SPARE", "备品备件包", "运维服务", 250_000),
    ("SVC-TRAIN", "技术培训服务（每期）", "运维服务", 120_000),
]
LINES = ("信号系统", "轨道检测", "牵引供电", "车辆维保", "站台门", "运维服务")

COMPETITORS = [
    (
        "CRSC",
        "中国通号",
        "国内信号市场份额最高，铁路总公司体系关系深厚",
        "价格偏高，地方城轨项目响应速度一般",
    ),
    ("SIEMENS", "西门子交通", "CBTC技术成熟，国际业绩丰富", "国产化率低，本地服务成本高"),
    ("ALSTOM", "阿尔斯通", "全产业链产品，车辆与信号一体化方案", "决策链长，价格缺乏竞争力"),
    ("TCT", "交控科技", "自主CBTC技术领先，城轨业绩增长快", "铁路干线业绩少，供电产品线空白"),
    ("HOLLYSYS", "和利时", "列控与自动化产品线完整，价格灵活", "城轨信号业绩相对较少"),
    ("CASCO", "卡斯柯", "中外合资背景，城轨CBTC业绩多", "定制化开发周期长"),
    ("UNITTEC", "众合科技", "性价比高，地方关系好", "大型项目交付能力有限"),
    ("HITACHI", "日立铁路", "站台门与信号集成经验丰富", "国内服务网点少，备件周期长"),
]

# Railway bureaus: name part, region.
BUREAUS = [
    ("上海", "EAST"),
    ("南昌", "EAST"),
    ("济南", "EAST"),
    ("北京", "NORTH"),
    ("哈尔滨", "NORTH"),
    ("沈阳", "NORTH"),
    ("太原", "NORTH"),
    ("呼和浩特", "NORTH"),
    ("郑州", "NORTH"),
    ("西安", "NORTH"),
    ("兰州", "NORTH"),
    ("广州", "SOUTH"),
    ("南宁", "SOUTH"),
    ("昆明", "SOUTH"),
    ("成都", "SOUTH"),
    ("武汉", "SOUTH"),
]
CITIES = {
    "EAST": [
        "上海", "南京", "杭州", "苏州", "宁波", "合肥", "无锡", "常州", "南昌", "福州", "厦门",
        "济南", "青岛", "温州", "徐州", "绍兴", "嘉兴", "南通", "芜湖", "金华", "扬州", "台州",
    ],
    "NORTH": [
        "北京", "天津", "石家庄", "太原", "呼和浩特", "沈阳", "大连", "长春", "哈尔滨", "郑州",
        "洛阳", "唐山", "保定", "包头", "西安", "兰州", "银川", "乌鲁木齐", "大同", "邯郸",
        "秦皇岛", "鞍山",
    ],
    "SOUTH": [
        "广州", "深圳", "佛山", "东莞", "南宁", "柳州", "海口", "长沙", "株洲", "湘潭", "贵阳",
        "昆明", "珠海", "惠州", "汕头", "中山", "桂林", "湛江", "江门", "三亚", "遵义", "衡阳",
    ],
}  # fmt: skip
METRO_CITIES = {
    "EAST": ["上海", "南京", "杭州", "苏州", "宁波", "合肥", "无锡", "常州", "南昌", "福州",
             "厦门", "济南", "青岛", "温州", "徐州", "绍兴"],
    "NORTH": ["北京", "天津", "石家庄", "太原", "呼和浩特", "沈阳", "大连", "长春", "哈尔滨",
              "郑州", "洛阳", "西安", "兰州", "乌鲁木齐"],
    "SOUTH": ["广州", "深圳", "佛山", "东莞", "南宁", "长沙", "贵阳", "昆明"],
}  # fmt: skip
ROLLING_STOCK = [
    ("中车株洲电力机车有限公司", "株洲电力机车", "SOUTH"),
    ("中车青岛四方机车车辆股份有限公司", "青岛四方", "EAST"),
    ("中车长春轨道客车股份有限公司", "长春客车", "NORTH"),
    ("中车唐山机车车辆有限公司", "唐山机车", "NORTH"),
    ("中车南京浦镇车辆有限公司", "浦镇车辆", "EAST"),
    ("中车大连机车车辆有限公司", "大连机车", "NORTH"),
    ("中车广东轨道交通车辆有限公司", "广东车辆", "SOUTH"),
    ("中车戚墅堰机车有限公司", "戚墅堰机车", "EAST"),
    ("中车株洲电机有限公司", "株洲电机", "SOUTH"),
    ("中车四方车辆有限公司", "四方车辆", "EAST"),
]
# Other customer kinds: name pattern, short pattern, industry, kind key.
OTHER_KINDS = [
    ("{city}市域铁路有限公司", "{city}市域铁路", "市域铁路", "suburban"),
    ("{city}有轨电车有限公司", "{city}有轨电车", "现代有轨电车", "tram"),
    ("{city}城际铁路有限公司", "{city}城际铁路", "城际铁路", "intercity"),
    ("{city}轨道交通供电工程有限公司", "{city}供电工程", "电力", "power"),
    ("{city}港口集团铁路运输有限公司", "{city}港铁运", "港口铁路", "industrial"),
    ("{city}钢铁集团铁运有限公司", "{city}钢铁铁运", "厂矿铁路", "industrial"),
    ("{city}城建设计研究院有限公司", "{city}城建设计院", "勘察设计", "design"),
    ("{city}轨道交通运营维保有限公司", "{city}轨交维保", "运维服务", "maintenance"),
    ("中铁{n}局集团{city}工程有限公司", "中铁{n}局{city}公司", "工程建设", "construction"),
]
# The 中铁 engineering bureaus that exist (一局 … 二十五局, without 十三).
BUREAU_NUMBERS = [
    "一",
    "二",
    "三",
    "四",
    "五",
    "六",
    "七",
    "八",
    "九",
    "十",
    "十一",
    "十二",
    "十四",
    "十五",
    "十六",
    "十七",
    "十八",
    "十九",
    "二十",
    "二十一",
    "二十二",
    "二十三",
    "二十四",
    "二十五",
]

# Per customer kind: (category spend range in 万元, strategic importance range, product-line
# weights in LINES order, contact count range).
KIND_PROFILE: dict[
    str, tuple[tuple[int, int], tuple[int, int], tuple[int, ...], tuple[int, int]]
] = {
    "group": ((20000, 60000), (90, 100), (3, 2, 2, 1, 0, 2), (5, 7)),
    "bureau": ((8000, 30000), (75, 98), (4, 3, 3, 1, 0, 2), (8, 12)),
    "depot": ((800, 3000), (40, 70), (4, 3, 2, 0, 0, 3), (3, 5)),
    "metro": ((5000, 20000), (70, 95), (4, 1, 2, 2, 3, 2), (7, 11)),
    "metro_sub": ((2000, 8000), (55, 85), (3, 1, 2, 2, 2, 4), (4, 7)),
    "cr_group": ((10000, 30000), (80, 95), (2, 1, 1, 4, 0, 1), (5, 7)),
    "rolling_stock": ((3000, 15000), (60, 90), (3, 1, 1, 4, 0, 1), (5, 8)),
    "suburban": ((1500, 6000), (45, 80), (4, 1, 2, 1, 2, 2), (4, 6)),
    "tram": ((500, 2000), (30, 60), (3, 1, 2, 1, 1, 2), (3, 5)),
    "intercity": ((2000, 8000), (50, 85), (4, 2, 3, 1, 1, 2), (4, 6)),
    "power": ((800, 4000), (30, 60), (0, 0, 5, 0, 0, 1), (3, 5)),
    "industrial": ((300, 1500), (20, 50), (2, 3, 1, 1, 0, 2), (3, 4)),
    "design": ((300, 1200), (40, 75), (3, 1, 2, 0, 1, 1), (3, 4)),
    "maintenance": ((500, 2500), (35, 65), (1, 2, 1, 2, 1, 5), (3, 5)),
    "construction": ((1000, 5000), (40, 70), (2, 1, 3, 0, 2, 1), (3, 5)),
}

# Org-chart layers per customer kind: (title, department) by layer 0 (head) .. 3 (staff).
_RAIL_TITLES = [
    [("局长", "局领导"), ("董事长", "局领导")],
    [("副局长", "局领导"), ("总工程师", "局领导"), ("总经济师", "局领导")],
    [("物资处处长", "物资处"), ("电务处处长", "电务处"), ("工务处处长", "工务处"),
     ("供电处处长", "供电处"), ("车辆处处长", "车辆处"), ("科信部主任", "科技和信息化部"),
     ("计划统计部部长", "计划统计部")],
    [("电务处高级工程师", "电务处"), ("物资处采购主管", "物资处"), ("工务处工程师", "工务处"),
     ("供电处工程师", "供电处"), ("电务段段长", "电务段"), ("工务段技术科长", "工务段")],
]  # fmt: skip
_METRO_TITLES = [
    [("董事长", "公司领导"), ("总经理", "公司领导")],
    [("副总经理", "公司领导"), ("总工程师", "公司领导"), ("运营分公司总经理", "运营分公司")],
    [("采购部部长", "采购部"), ("通号部部长", "通号部"), ("车辆部部长", "车辆部"),
     ("供电部部长", "供电部"), ("技术中心主任", "技术中心"), ("安全质量部部长", "安全质量部")],
    [("通号部主任工程师", "通号部"), ("采购部主管", "采购部"), ("车辆部工程师", "车辆部"),
     ("供电部工程师", "供电部"), ("技术中心工程师", "技术中心"), ("站务中心主任", "运营分公司")],
]  # fmt: skip
_MAKER_TITLES = [
    [("总经理", "公司领导"), ("董事长", "公司领导")],
    [("副总经理", "公司领导"), ("总工程师", "公司领导")],
    [("采购中心主任", "采购中心"), ("技术部部长", "技术部"), ("质量部部长", "质量部"),
     ("工艺部部长", "工艺部"), ("设备动力部部长", "设备动力部")],
    [("工艺工程师", "工艺部"), ("采购主管", "采购中心"), ("设备工程师", "设备动力部"),
     ("质量工程师", "质量部")],
]  # fmt: skip
_COMPANY_TITLES = [
    [("总经理", "公司领导"), ("董事长", "公司领导")],
    [("副总经理", "公司领导"), ("技术总监", "公司领导")],
    [("采购部经理", "采购部"), ("设备部经理", "设备部"), ("工程部经理", "工程部"),
     ("技术部经理", "技术部")],
    [("设备工程师", "设备部"), ("采购专员", "采购部"), ("项目经理", "工程部")],
]  # fmt: skip
TITLES_BY_KIND = {
    "group": [
        [("董事长", "集团领导"), ("总经理", "集团领导")],
        [("副总经理", "集团领导"), ("总工程师", "集团领导")],
        [
            ("物资管理部主任", "物资管理部"),
            ("工电部主任", "工电部"),
            ("机辆部主任", "机辆部"),
            ("科技和信息化部主任", "科技和信息化部"),
            ("计划统计部主任", "计划统计部"),
        ],
        [
            ("工电部处长", "工电部"),
            ("物资管理部处长", "物资管理部"),
            ("科技和信息化部工程师", "科技和信息化部"),
        ],
    ],
    "bureau": _RAIL_TITLES,
    "depot": [
        [("段长", "段领导")],
        [("副段长", "段领导"), ("总工程师", "段领导")],
        [("技术科科长", "技术科"), ("安全科科长", "安全科"), ("材料科科长", "材料科")],
        [("技术员", "技术科"), ("车间主任", "车间"), ("工长", "车间")],
    ],
    "metro": _METRO_TITLES,
    "metro_sub": _METRO_TITLES,
    "suburban": _METRO_TITLES,
    "intercity": _METRO_TITLES,
    "tram": _METRO_TITLES,
    "cr_group": _MAKER_TITLES,
    "rolling_stock": _MAKER_TITLES,
}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬斌宇浩凯鹏辉健俊帆鑫峰博文"
    "新建国志海林波宁晨阳瑞欣怡婷雪琳晶慧颖佳倩梅亮成兵飞龙云磊旭东晓春雷振康"
)

PHONE_PREFIXES = ("35", "36", "37", "38", "39", "50", "58", "59", "86", "88")
LEAD_SOURCES = ("展会", "客户来访", "招标公告", "老客户推荐", "官网咨询", "设计院推荐", "电话拜访")
DISQUALIFY_REASONS = (
    "预算未落实，项目暂缓",
    "技术路线与我司产品不匹配",
    "客户已指定其他供应商",
    "项目规模过小，投入产出不合算",
    "资质或业绩要求不满足",
    "客户回款风险高",
)
LOST_REASONS = (
    "价格高于竞争对手",
    "技术方案未获客户认可",
    "竞争对手客户关系更紧密",
    "资质或业绩不满足招标要求",
    "交付周期无法满足客户要求",
)
LOST_WITHOUT_COMPETITOR = ("项目预算削减，客户取消采购", "客户推迟项目，转为下年度计划")
PROJECT_ITEMS = {
    "信号系统": ("CBTC信号系统", "计算机联锁改造", "列控中心升级", "车载ATP更新", "信号系统大修"),
    "轨道检测": ("轨道几何检测车采购", "钢轨探伤设备采购", "隧道巡检机器人试点", "线路检测服务"),
    "牵引供电": ("牵引变电所改造", "再生制动能量回馈装置", "接触网检测系统", "供电系统扩容"),
    "车辆维保": ("车辆架修服务", "转向架检修线建设", "车轮踏面诊断系统", "车辆段工艺设备"),
    "站台门": ("站台门系统", "站台门改造", "安全门加装"),
    "运维服务": ("智能运维平台建设", "年度维保服务", "备品备件框架采购", "运维人员培训"),
}
PRESALES_ROLES = ("方案负责人", "技术支持", "投标支持")
ACTIVITY_TYPES = ("visit", "call", "meeting", "email", "demo", "dinner", "other")
ACTIVITY_WEIGHTS = (45, 18, 14, 5, 6, 9, 3)
SUMMARIES = (
    "拜访{title}{name}，汇报{line}项目进展，客户对方案整体认可。",
    "与{title}{name}交流{line}技术路线，客户关注国产化率和全寿命周期成本。",
    "陪同技术专家走访{dept}，了解{line}设备运行情况，收集改进需求。",
    "就{line}项目商务条款与{title}{name}沟通，客户希望进一步优化价格。",
    "参加客户{line}年度运维总结会，介绍我司智能运维平台。",
    "邀请{title}{name}参观我司{line}样板工程，客户反馈良好。",
    "与{dept}召开技术交流会，讲解{line}的架构和安全认证情况。",
    "电话沟通{line}招标时间安排，{title}{name}预计下季度发布招标公告。",
    "了解到客户明年有{line}改造计划，约定下月提交初步方案。",
    "{title}{name}反映{line}设备现场故障响应偏慢，已协调服务团队跟进。",
    "向{title}{name}演示{line}新功能，客户提出两项定制需求。",
    "与{dept}核对{line}合同执行和回款计划，客户确认按节点付款。",
)
REQUEST_TITLES = (
    ("站台门无法正常关闭", "故障报修", "站台门"),
    ("联锁设备报警频繁", "故障报修", "信号系统"),
    ("转辙机表示电路故障", "故障报修", "信号系统"),
    ("轨检车数据上传异常", "故障报修", "轨道检测"),
    ("再生制动装置跳闸", "故障报修", "牵引供电"),
    ("车载ATP设备异常重启", "故障报修", "信号系统"),
    ("智能运维平台登录异常", "技术咨询", "运维服务"),
    ("申请采购备品备件", "备件申请", "运维服务"),
    ("运维人员技术培训需求", "培训需求", "运维服务"),
    ("接触网检测数据偏差", "技术咨询", "牵引供电"),
    ("设备软件升级咨询", "技术咨询", "信号系统"),
    ("现场服务响应不及时", "投诉", "运维服务"),
)
SALES_EXPENSES = ("投标服务费", "标书制作费", "技术交流会会务费", "商务招待费", "专家评审差旅费")
MARKETING_EVENTS = (
    "中国国际轨道交通和装备制造产业博览会展位费",
    "城市轨道交通年会赞助",
    "智慧城轨技术论坛",
    "铁路信号新技术推介会",
    "行业媒体品牌宣传",
    "区域客户技术交流会",
)


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _d(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def money(cents: int) -> str:
    """A plain decimal with two places from an amount in fen."""
    return f"{cents // 100}.{cents % 100:02d}"


def _hours(halves: int) -> str:
    return f"{halves // 2}.5" if halves % 2 else str(halves // 2)


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


@dataclass
class _User:
    username: str
    name: str
    role: str
    team: str
    region: str
    hourly_cost: int
    joined: dt.date | None
    left: dt.date | None

    def employed(self, day: dt.date) -> bool:
        return (self.joined is None or self.joined <= day) and (
            self.left is None or day <= self.left
        )


@dataclass(eq=False)
class _Contact:
    code: str
    customer: _Customer
    name: str
    title: str
    department: str
    layer: int
    influence: int
    decision_role: str
    attitude: str
    phone: str = ""
    # (assessed_on, closeness, solution acceptance, price acceptance), by date.
    history: list[tuple[dt.date, int, int, int]] = field(default_factory=list)

    def solution_at(self, day: dt.date) -> int | None:
        i = bisect.bisect_right(self.history, (day, 101, 101, 101))
        return self.history[i - 1][2] if i else None


@dataclass(eq=False)
class _Customer:
    code: str
    name: str
    short: str
    industry: str
    kind: str
    region: str
    created: dt.date
    parent: _Customer | None
    slot: int = 0
    category_spend: int = 0  # CNY
    expected_spend: int = 0  # CNY
    importance: int = 50
    deal_rate: float = 1.0
    growth: dict[int, float] = field(default_factory=dict)
    headroom: float = 0.5
    slow_payer: bool = False
    contacts: list[_Contact] = field(default_factory=list)
    tiers: dict[dt.date, tuple[str, str]] = field(default_factory=dict)
    tier_reasons: dict[dt.date, str] = field(default_factory=dict)
    first_signed: dt.date | None = None

    def tier_at(self, day: dt.date) -> tuple[str, str]:
        current = ("", "")
        for effective, value in sorted(self.tiers.items()):
            if effective <= day:
                current = value
        return current


@dataclass(eq=False)
class _Opportunity:
    customer: _Customer
    name: str
    line: str
    origin: str
    amount: int  # fen
    created: dt.date
    review: str = "pending"
    established: dt.date | None = None
    rejected: dt.date | None = None
    status: str = "open"
    closed: dt.date | None = None
    stage: str = ""
    presales_cost: int | None = None
    lost_reason: str = ""
    competitors: list[str] = field(default_factory=list)
    chain: list[tuple[_Contact, str, int]] = field(default_factory=list)
    owner: str = ""
    code: str = ""
    presales: list[tuple[str, dt.date]] = field(default_factory=list)

    @property
    def end(self) -> dt.date | None:
        return self.closed or self.rejected


@dataclass(eq=False)
class _Lead:
    created: dt.date
    customer: _Customer | None
    title: str
    owner: str
    source: str
    status: str
    disqualified: dt.date | None = None
    reason: str = ""
    cost: int | None = None  # fen
    opportunity: str = ""  # code of the deal it became


@dataclass(eq=False)
class _Contract:
    customer: _Customer
    opportunity: _Opportunity | None
    owner: str
    signed: dt.date
    lines: list[tuple[str, int, int, int]]  # product, quantity, unit price fen, unit cost fen
    status: str = "active"
    cost_known: bool = True
    code: str = ""

    @property
    def amount(self) -> int:
        return sum(q * price for _p, q, price, _c in self.lines)

    @property
    def cost(self) -> int:
        return sum(q * cost for _p, q, _price, cost in self.lines)


# --------------------------------------------------------------------------------------------
# The builder
# --------------------------------------------------------------------------------------------


class _Demo:
    def __init__(self, seed: int, today: dt.date):
        self.rng = random.Random(seed)
        self.today = today
        self.start = dt.date(today.year - 3, 1, 1)
        self.years = list(range(self.start.year, today.year + 1))
        self.out: dict[str, list[dict[str, str]]] = {name: [] for name in COLUMNS}
        self._calendar()

    # -- output ------------------------------------------------------------------------------

    def add(self, file: str, **values) -> None:
        columns = COLUMNS[file]
        row = dict.fromkeys(columns, "")
        for key, value in values.items():
            if key not in row:
                raise KeyError(f"{file}: unknown column {key}")
            if value is None:
                continue
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, bool):
                value = "true" if value else "false"
            row[key] = str(value)
        self.out[file].append(row)

    # -- calendar ----------------------------------------------------------------------------

    def _calendar(self) -> None:
        self.holidays: set[dt.date] = set()
        self.makeup: set[dt.date] = set()
        for year in self.years:
            ranges, workdays = _CALENDAR.get(
                year,
                ([(f"{year}-{a}", f"{year}-{b}") for a, b in _FIXED_HOLIDAYS], []),
            )
            for first, last in ranges:
                day, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
                while day <= end:
                    self.holidays.add(day)
                    day += DAY
            self.makeup.update(dt.date.fromisoformat(d) for d in workdays)
        self.workdays: list[dt.date] = []
        day = self.start
        while day <= self.today:
            if self.is_workday(day):
                self.workdays.append(day)
            day += DAY

    def is_workday(self, day: dt.date) -> bool:
        if day in self.makeup:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def workday_between(self, first: dt.date, last: dt.date) -> dt.date | None:
        lo = bisect.bisect_left(self.workdays, first)
        hi = bisect.bisect_right(self.workdays, last)
        if lo >= hi:
            return None
        return self.workdays[self.rng.randrange(lo, hi)]

    def day_between(self, first: dt.date, last: dt.date) -> dt.date:
        if last <= first:
            return first
        return first + dt.timedelta(days=self.rng.randint(0, (last - first).days))

    # -- people ------------------------------------------------------------------------------

    def holder(self, region: str, slot: int, day: dt.date) -> str:
        for username, until in SLOTS[region][slot]:
            if until is None or day <= dt.date.fromisoformat(until):
                return username
        raise AssertionError("a slot always has a holder")

    def owner_of(self, customer: _Customer, day: dt.date) -> str:
        return self.holder(customer.region, customer.slot, min(day, self.today))

    def presales_of(self, region: str, day: dt.date) -> list[str]:
        return [
            u.username
            for u in self.users.values()
            if u.role == "presales" and u.region == region and u.employed(day)
        ]

    def person_name(self) -> str:
        given = self.rng.choice(GIVEN) + (self.rng.choice(GIVEN) if self.rng.random() < 0.6 else "")
        return self.rng.choice(SURNAMES) + given

    # -- build -------------------------------------------------------------------------------

    def build(self) -> dict[str, list[dict[str, str]]]:
        self.build_org()
        self.build_catalogue()
        self.build_customers()
        self.build_contacts()
        self.build_tiers()
        self.build_opportunities()
        self.build_leads()
        self.build_presales()
        self.build_contracts()
        self.build_finance()
        self.build_activities()
        self.build_service()
        self.build_account_teams()
        self.build_targets()
        self.emit()
        return self.out

    def build_org(self) -> None:
        for code, name, _short in REGIONS:
            self.add("regions", code=code, name=name)
        for code, _name, short in REGIONS:
            self.add("teams", code=code, name=f"{short}大区", region_code=code)
            for suffix, unit in (("S1", "销售一部"), ("S2", "销售二部"), ("PS", "售前技术部")):
                self.add(
                    "teams",
                    code=f"{code}-{suffix}",
                    name=f"{short}{unit}",
                    region_code=code,
                    parent_code=code,
                )
        self.users: dict[str, _User] = {}
        for username, name, role, team, cost, joined, left in USERS:
            region = team.split("-")[0] if team else ""
            self.users[username] = _User(
                username, name, role, team, region, cost, _d(joined), _d(left)
            )
            self.add(
                "users",
                username=username,
                name=name,
                role=role,
                team_code=team,
                email=f"{username}@example.com",
                hourly_cost=money(cost * 100),
                joined_on=joined,
                left_on=left,
            )
        self.region_head = {u.region: u.username for u in self.users.values() if u.team in SLOTS}
        self.team_manager = {u.team: u.username for u in self.users.values() if u.role == "manager"}

    def build_catalogue(self) -> None:
        self.products = {code: (name, line, price) for code, name, line, price in PRODUCTS}
        self.products_by_line: dict[str, list[str]] = defaultdict(list)
        for code, name, line, price in PRODUCTS:
            cost_rate = 0.55 + 0.1 * self.rng.random()
            self.add(
                "products",
                code=code,
                name=name,
                category=line,
                list_price=money(price * 100),
                unit_cost=money(round(price * cost_rate) * 100),
            )
            self.products_by_line[line].append(code)
        for code, name, strengths, weaknesses in COMPETITORS:
            self.add(
                "competitors", code=code, name=name, strengths=strengths, weaknesses=weaknesses
            )

    # -- customers ---------------------------------------------------------------------------

    def build_customers(self) -> None:
        rng = self.rng
        customers: list[_Customer] = []
        names: set[str] = set()

        def new(name, short, industry, kind, region, parent=None) -> _Customer | None:
            if name in names:
                return None
            names.add(name)
            if rng.random() < 0.85 or kind in ("group", "bureau", "cr_group"):
                created = self.day_between(dt.date(2008, 1, 1), self.start - DAY)
            else:
                created = self.day_between(self.start + 30 * DAY, self.today - 120 * DAY)
            if parent is not None:
                created = max(created, parent.created)
            customer = _Customer(
                code=f"C{len(customers) + 1:04d}",
                name=name,
                short=short,
                industry=industry,
                kind=kind,
                region=region,
                created=created,
                parent=parent,
            )
            customers.append(customer)
            return customer

        group = new("中国国家铁路集团有限公司", "国铁集团", "国家铁路", "group", "NORTH")
        for city, region in BUREAUS:
            bureau = new(
                f"中国铁路{city}局集团有限公司", f"{city}局", "国家铁路", "bureau", region, group
            )
            for depot in rng.sample(("电务段", "工务段", "供电段", "车辆段"), rng.randint(0, 2)):
                city2 = rng.choice(CITIES[region])
                new(
                    f"中国铁路{city}局集团有限公司{city2}{depot}",
                    f"{city2}{depot}",
                    "国家铁路",
                    "depot",
                    region,
                    bureau,
                )
        crrc = new("中国中车股份有限公司", "中国中车", "轨道交通装备制造", "cr_group", "NORTH")
        for name, short, region in ROLLING_STOCK:
            new(name, short, "轨道交通装备制造", "rolling_stock", region, crrc)
        for region, cities in METRO_CITIES.items():
            for city in cities:
                word = "地铁" if rng.random() < 0.6 else "轨道交通"
                metro = new(
                    f"{city}{word}集团有限公司", f"{city}{word}", "城市轨道交通", "metro", region
                )
                if metro and rng.random() < 0.45:
                    for sub in rng.sample(("运营", "建设管理", "维保"), rng.randint(1, 2)):
                        new(
                            f"{city}{word}{sub}有限公司",
                            f"{city}{word}{sub}",
                            "城市轨道交通",
                            "metro_sub",
                            region,
                            metro,
                        )
        pool = [
            (pattern, region, city)
            for region, cities in CITIES.items()
            for city in cities
            for pattern in OTHER_KINDS
        ]
        rng.shuffle(pool)
        for (name_pattern, short_pattern, industry, kind), region, city in pool:
            if len(customers) >= 300:
                break
            n = rng.choice(BUREAU_NUMBERS)
            new(
                name_pattern.format(city=city, n=n),
                short_pattern.format(city=city, n=n),
                industry,
                kind,
                region,
            )

        # Size, growth and book of each customer.
        for customer in customers:
            (lo, hi), (imp_lo, imp_hi), _lines, _contacts = KIND_PROFILE[customer.kind]
            spend = int(math.exp(rng.uniform(math.log(lo), math.log(hi)))) * 10_000
            customer.category_spend = spend
            customer.expected_spend = int(spend * rng.uniform(0.15, 0.45)) // 10_000 * 10_000
            customer.importance = rng.randint(imp_lo, imp_hi)
            customer.headroom = rng.random()
            customer.slow_payer = rng.random() < 0.1
            growth, factor = {}, 1.0
            for year in self.years:
                growth[year] = factor
                factor *= math.exp(rng.gauss(0.06, 0.38))
            customer.growth = growth
        top = max(c.expected_spend for c in customers)
        for customer in customers:
            customer.deal_rate = 0.3 + 2.6 * (customer.expected_spend / top) ** 0.5
        # Books: bigger customers go to the KAM slots more often.
        for region in SLOTS:
            mine = sorted(
                (c for c in customers if c.region == region),
                key=lambda c: (-c.expected_spend, c.code),
            )
            for rank, customer in enumerate(mine):
                kam_book = rng.random() < (0.75 if rank < len(mine) // 3 else 0.35)
                customer.slot = rng.choice((0, 2) if kam_book else (1, 3))
        self.customers = customers

    def build_contacts(self) -> None:
        rng = self.rng
        number = 0
        for customer in self.customers:
            titles = TITLES_BY_KIND.get(customer.kind, _COMPANY_TITLES)
            lo, hi = KIND_PROFILE[customer.kind][3]
            count = rng.randint(lo, hi)
            layers = [0] + [1] * rng.randint(1, 2)
            while len(layers) < count:
                layers.append(2 if rng.random() < 0.6 else 3)
            used_titles: set[str] = set()
            for layer in layers:
                options = [t for t in titles[layer] if t[0] not in used_titles] or titles[layer]
                title, department = rng.choice(options)
                used_titles.add(title)
                number += 1
                influence = int(_clamp(5 - layer + rng.choice((-1, 0, 0, 0, 1)), 1, 5))
                if layer == 0:
                    role = "decision_maker"
                elif layer == 1:
                    role = rng.choice(("decision_maker", "influencer", "influencer"))
                elif layer == 2:
                    role = rng.choice(("evaluator", "influencer", "gatekeeper", "evaluator"))
                else:
                    role = rng.choice(("user", "user", "coach", "evaluator"))
                attitude = rng.choices(("supporter", "neutral", "opponent", ""), (4, 5, 1, 1))[0]
                customer.contacts.append(
                    _Contact(
                        code=f"CT{number:05d}",
                        customer=customer,
                        name=self.person_name(),
                        title=title,
                        department=department,
                        layer=layer,
                        influence=influence,
                        decision_role=role,
                        attitude=attitude,
                        phone=f"1{rng.choice(PHONE_PREFIXES)}{rng.randrange(10**8):08d}",
                    )
                )
            self._assessments(customer)

    def _assessments(self, customer: _Customer) -> None:
        rng = self.rng
        first = max(self.start, customer.created)
        for contact in customer.contacts:
            if contact.influence >= 4:
                n = rng.randint(2, 6)
            elif contact.influence == 3:
                n = rng.randint(1, 4)
            else:
                n = rng.choice((0, 0, 1, 2))
            if customer.expected_spend < 3_000_000:
                n = n // 2
            days = sorted({self.day_between(first, self.today) for _ in range(n)})
            base = {"supporter": 65, "neutral": 50, "opponent": 32, "": 45}[contact.attitude]
            closeness = _clamp(base + rng.gauss(0, 8), 5, 95)
            for day in days:
                closeness = _clamp(closeness + rng.gauss(1.5, 6), 5, 98)
                solution = _clamp(closeness + rng.gauss(2, 10), 5, 98)
                price = _clamp(closeness + rng.gauss(-6, 12), 5, 98)
                contact.history.append((day, round(closeness), round(solution), round(price)))

    def build_tiers(self) -> None:
        """Yearly tiering on 1 January: rank by size, importance and recent growth."""
        rng = self.rng
        ever: set[str] = set()
        for year in self.years:
            effective = dt.date(year, 1, 1)
            if effective > self.today:
                break
            scored = []
            for customer in self.customers:
                if customer.created >= effective:
                    continue
                score = (
                    math.log(customer.expected_spend)
                    + customer.importance / 40
                    + 0.6 * math.log(customer.growth[year])
                    + rng.gauss(0, 0.25)
                )
                scored.append((score, customer.code, customer))
            scored.sort(key=lambda item: (-item[0], item[1]))
            n = len(scored)
            for rank, (_score, code, customer) in enumerate(scored):
                share = rank / n
                if share < 0.05:
                    tier = "S"
                elif share < 0.13:
                    tier = "A"
                elif share < 0.27:
                    tier = "B"
                elif share < 0.5 or code in ever:
                    tier = "C"
                else:
                    continue
                ever.add(code)
                headroom = _clamp(customer.headroom + rng.gauss(0, 0.12), 0, 1)
                resource_class = "C" if headroom > 0.62 else ("B" if headroom > 0.3 else "A")
                if tier == "C" and rng.random() < 0.5:
                    resource_class = ""
                previous = customer.tier_at(effective - DAY)[0]
                customer.tiers[effective] = (tier, resource_class)
                if not previous:
                    reason = "首次纳入分级：综合积分法年度评分"
                elif previous == tier:
                    reason = "年度分级评审：维持原级"
                elif "SABC".index(tier) < "SABC".index(previous):
                    reason = "年度分级评审：采购额与战略价值提升，升级"
                else:
                    reason = "年度分级评审：产出下降，降级"
                customer.tier_reasons[effective] = reason
            # A few mid-year manual adjustments.
            mid = dt.date(year, 7, 1)
            if mid <= self.today:
                for _score, _code, customer in scored:
                    current = customer.tier_at(mid)
                    if current[0] in ("A", "B", "C") and rng.random() < 0.04:
                        up = "SABC"["SABC".index(current[0]) - 1]
                        customer.tiers[mid] = (up, "C" if up != "S" else current[1] or "B")
                        customer.tier_reasons[mid] = "人工调整：新线建设启动，提升服务等级"
        for customer in self.customers:
            for effective, (tier, resource_class) in sorted(customer.tiers.items()):
                self.add(
                    "tier_history",
                    customer_code=customer.code,
                    effective_on=effective,
                    tier=tier,
                    **{"class": resource_class},
                    reason=customer.tier_reasons[effective],
                )

    # -- deals -------------------------------------------------------------------------------

    def _deal_name(self, customer: _Customer, line: str) -> str:
        item = self.rng.choice(PROJECT_ITEMS[line])
        if customer.kind in ("metro", "metro_sub", "suburban"):
            where = f"{self.rng.randint(1, 18)}号线"
        elif customer.kind in ("bureau", "depot", "intercity"):
            where = self.rng.choice(("干线", "枢纽", "编组站", "客专", "普速线"))
        else:
            where = ""
        return f"{customer.short}{where}{item}项目"

    def _pick_chain(self, customer: _Customer) -> list[tuple[_Contact, str, int]]:
        rng = self.rng
        contacts = customer.contacts
        k = min(len(contacts), rng.randint(2, 5))
        keyed = sorted(contacts, key=lambda c: (-(rng.random() ** (1 / c.influence)), c.code))
        chain = []
        for contact in sorted(keyed[:k], key=lambda c: c.code):
            role = contact.decision_role or rng.choice(("influencer", "evaluator"))
            influence = int(_clamp(contact.influence + rng.choice((-1, 0, 0, 1)), 1, 5))
            chain.append((contact, role, influence))
        return chain

    def _chain_solution(self, chain, day: dt.date) -> float | None:
        total = weight = 0.0
        for contact, _role, influence in chain:
            score = contact.solution_at(day)
            if score is not None:
                total += score * influence
                weight += influence
        return total / weight if weight else None

    def build_opportunities(self) -> None:
        rng = self.rng
        opportunities: list[_Opportunity] = []
        for customer in self.customers:
            line_weights = KIND_PROFILE[customer.kind][2]
            for year in self.years:
                first = max(dt.date(year, 1, 1), customer.created + DAY, self.start)
                last = min(dt.date(year, 12, 31), self.today)
                if first > last:
                    continue
                fraction = ((last - first).days + 1) / 365
                count = _poisson(rng, customer.deal_rate * customer.growth[year] * fraction)
                for _ in range(count):
                    line = rng.choices(LINES, line_weights)[0]
                    origin = rng.choices(("captured", "incubated", "other"), (40, 30, 30))[0]
                    median = customer.expected_spend * 0.2
                    amount = _clamp(median * math.exp(rng.gauss(0, 0.7)), 200_000, 150_000_000)
                    created = self.day_between(first, last)
                    opportunities.append(
                        _Opportunity(
                            customer=customer,
                            name=self._deal_name(customer, line),
                            line=line,
                            origin=origin,
                            amount=int(amount) // 1000 * 1000 * 100,
                            created=created,
                        )
                    )
        for opp in opportunities:
            self._life_cycle(opp)
        opportunities.sort(key=lambda o: (o.created, o.customer.code, o.name))
        per_year: dict[int, int] = defaultdict(int)
        for opp in opportunities:
            per_year[opp.created.year] += 1
            opp.code = f"OP{opp.created.year}-{per_year[opp.created.year]:04d}"
        self.opportunities = opportunities

    def _life_cycle(self, opp: _Opportunity) -> None:
        rng, today = self.rng, self.today
        decided = opp.created + dt.timedelta(days=rng.randint(3, 30))
        stale = (today - opp.created).days < 120 and rng.random() < 0.1
        if rng.random() < 0.9:
            opp.presales_cost = rng.randint(20, 200) * 1_000 * 100
        if decided > today or stale:
            opp.owner = self.owner_of(opp.customer, today)
            if rng.random() < 0.3:
                opp.chain = self._pick_chain(opp.customer)
            return
        if rng.random() < 0.12:
            opp.review, opp.rejected = "rejected", decided
            opp.owner = self.owner_of(opp.customer, decided)
            return
        opp.review, opp.established = "established", decided
        opp.chain = self._pick_chain(opp.customer)
        big = opp.amount > 20_000_000 * 100
        cycle = rng.randint(60, 320) if big else rng.randint(30, 220)
        close = decided + dt.timedelta(days=cycle)
        if close > today:
            elapsed = (today - decided).days / cycle
            opp.stage = STAGES[min(5, int(elapsed * 6))]
            opp.owner = self.owner_of(opp.customer, today)
            opp.competitors = sorted(rng.sample([c[0] for c in COMPETITORS], rng.randint(0, 2)))
            return
        base = {"captured": 0.46, "incubated": 0.56, "other": 0.34}[opp.origin]
        solution = self._chain_solution(opp.chain, close)
        if solution is not None:
            base += (solution - 55) / 80
        won = rng.random() < _clamp(base, 0.12, 0.9)
        opp.status, opp.closed = ("won" if won else "lost"), close
        opp.owner = self.owner_of(opp.customer, close)
        if won:
            opp.amount = int(opp.amount * rng.uniform(0.88, 1.05)) // 100_000 * 100_000
            opp.competitors = sorted(rng.sample([c[0] for c in COMPETITORS], rng.randint(0, 3)))
        elif rng.random() < 0.15:
            opp.lost_reason = rng.choice(LOST_WITHOUT_COMPETITOR)
        else:
            opp.lost_reason = rng.choice(LOST_REASONS)
            opp.competitors = sorted(rng.sample([c[0] for c in COMPETITORS], rng.randint(1, 3)))

    def build_leads(self) -> None:
        rng, today = self.rng, self.today
        leads: list[_Lead] = []
        for opp in self.opportunities:
            if rng.random() >= 0.55:
                continue
            created = opp.created - dt.timedelta(days=rng.randint(5, 60))
            created = max(created, self.start, opp.customer.created)
            if created > opp.created:
                created = opp.created
            owner = self.owner_of(opp.customer, opp.created)
            cost = opp.presales_cost if rng.random() < 0.7 else None
            title = f"{opp.customer.short}{rng.choice(PROJECT_ITEMS[opp.line])}需求"
            source = rng.choice(LEAD_SOURCES)
            leads.append(
                _Lead(
                    created,
                    opp.customer,
                    title,
                    owner,
                    source,
                    "qualified",
                    cost=cost,
                    opportunity=opp.code,
                )
            )
        # Leads that never became deals.
        for customer in self.customers:
            lam = 0.25 + 0.6 * customer.deal_rate
            for _ in range(_poisson(rng, lam * len(self.years) * 0.28)):
                first = max(self.start, customer.created + DAY)
                created = self.day_between(first, today)
                line = rng.choices(LINES, KIND_PROFILE[customer.kind][2])[0]
                leads.append(self._open_lead(created, customer, line))
        # Prospects: new lines and cities that are nobody's customer yet.
        for _ in range(18 * len(self.years)):
            region = rng.choice(list(SLOTS))
            city = rng.choice(CITIES[region])
            created = self.day_between(self.start, today)
            line = rng.choice(LINES)
            lead = self._open_lead(created, None, line, region)
            where = rng.choice(("新建线路", "城际铁路", "市域快轨", "既有线改造"))
            lead.title = f"{city}{where}{rng.choice(PROJECT_ITEMS[line])}线索"
            leads.append(lead)
        leads.sort(key=lambda lead: (lead.created, lead.title, lead.opportunity))
        per_year: dict[int, int] = defaultdict(int)
        for lead in leads:
            per_year[lead.created.year] += 1
            self.add(
                "leads",
                code=f"XS{lead.created.year}-{per_year[lead.created.year]:04d}",
                title=lead.title,
                customer_code=lead.customer.code if lead.customer else "",
                owner_username=lead.owner,
                source=lead.source,
                created_on=lead.created,
                status=lead.status,
                disqualified_on=lead.disqualified,
                disqualify_reason=lead.reason,
                estimated_presales_cost=money(lead.cost) if lead.cost is not None else "",
                opportunity_code=lead.opportunity,
            )

    def _open_lead(
        self, created: dt.date, customer: _Customer | None, line: str, region: str = ""
    ) -> _Lead:
        """A lead that is still being worked, or was disqualified (with the cost it saved)."""
        rng, today = self.rng, self.today
        slot_region = customer.region if customer else region
        slot = customer.slot if customer else rng.randrange(4)
        gone = created + dt.timedelta(days=rng.randint(5, 75))
        item = rng.choice(PROJECT_ITEMS[line])
        title = f"{customer.short}{item}线索" if customer else item
        source = rng.choice(LEAD_SOURCES)
        cost = rng.randint(10, 150) * 1_000 * 100
        if gone <= today and rng.random() < 0.85:
            owner = self.holder(slot_region, slot, gone)
            reason = rng.choice(DISQUALIFY_REASONS)
            return _Lead(
                created, customer, title, owner, source, "disqualified", gone, reason, cost
            )
        status = "new" if (today - created).days < 30 else "nurturing"
        owner = self.holder(slot_region, slot, today)
        cost_or_none = cost if rng.random() < 0.5 else None
        return _Lead(created, customer, title, owner, source, status, cost=cost_or_none)

    # -- presales ----------------------------------------------------------------------------

    def build_presales(self) -> None:
        rng, today = self.rng, self.today
        entries_seen: set[tuple[str, str, dt.date]] = set()
        for opp in self.opportunities:
            if opp.review == "rejected":
                continue
            if opp.review == "pending" and rng.random() > 0.15:
                continue
            if opp.review == "established" and rng.random() > 0.78:
                continue
            begin = opp.established or opp.created
            assigned = min(begin + dt.timedelta(days=rng.randint(0, 7)), today)
            if opp.closed:
                assigned = min(assigned, opp.closed)
            staff = self.presales_of(opp.customer.region, assigned)
            if not staff:
                continue
            team = rng.sample(staff, min(len(staff), 2 if rng.random() < 0.3 else 1))
            for index, username in enumerate(sorted(team)):
                role = PRESALES_ROLES[0] if index == 0 else rng.choice(PRESALES_ROLES[1:])
                opp.presales.append((username, assigned))
                self.add(
                    "presales_assignments",
                    opportunity_code=opp.code,
                    username=username,
                    role=role,
                    assigned_on=assigned,
                )
                user = self.users[username]
                end = min(opp.closed or today, today, user.left or today)
                weeks = max(1.0, ((end - assigned).days + 1) / 7)
                intensity = rng.uniform(0.25, 0.6) * (1.5 if opp.amount > 5e8 else 1.0)
                for _ in range(max(1, round(weeks * intensity))):
                    if rng.random() < 0.04:
                        day = self.day_between(assigned, end)
                    else:
                        day = self.workday_between(assigned, end)
                    key = (username, opp.code, day)
                    if day is None or key in entries_seen:
                        continue
                    entries_seen.add(key)
                    halves = rng.choice((1, 2, 3, 4, 4, 6, 6, 8, 8, 8, 10, 12, 14, 16))
                    settled = (today - day).days > 14
                    confirmed = rng.random() < (0.88 if settled else 0.3)
                    self.add(
                        "time_entries",
                        username=username,
                        opportunity_code=opp.code,
                        worked_on=day,
                        hours=_hours(halves),
                        confirmed=confirmed,
                        confirmed_by=opp.owner if confirmed else "",
                    )
            # Ratings once the deal is decided: the owner rates each engineer.
            if opp.closed:
                for username, _assigned in opp.presales:
                    if rng.random() > 0.85:
                        continue
                    owner = self.users[opp.owner]
                    rated = min(opp.closed + dt.timedelta(days=rng.randint(0, 10)), today)
                    if owner.left:
                        rated = min(rated, owner.left)
                    if not self.users[username].employed(rated):
                        continue  # the engineer has left; nobody rates them any more
                    score = rng.randint(72, 98) if opp.status == "won" else rng.randint(50, 90)
                    self.add(
                        "ratings",
                        opportunity_code=opp.code,
                        rated_username=username,
                        rater_username=opp.owner,
                        rated_on=rated,
                        score=score,
                    )
                    manager = self.team_manager.get(owner.team)
                    if manager and rng.random() < 0.2:
                        self.add(
                            "ratings",
                            opportunity_code=opp.code,
                            rated_username=username,
                            rater_username=manager,
                            rated_on=rated,
                            score=_clamp(score + rng.randint(-8, 8), 0, 100),
                        )

    # -- contracts ---------------------------------------------------------------------------

    def _lines(self, line: str, target: int) -> list[tuple[str, int, int, int]]:
        """Contract lines (product, qty, unit price, unit cost; fen) adding up to ≈ target."""
        rng = self.rng
        candidates = [p for p in self.products_by_line[line] if self.products[p][2] * 100 <= target]
        if not candidates:
            candidates = [
                p for p in self.products_by_line["运维服务"] if self.products[p][2] * 100 <= target
            ] or ["SVC-TRAIN"]
        chosen = rng.sample(candidates, min(len(candidates), rng.choice((1, 1, 2, 2, 3))))
        weights = [rng.uniform(0.5, 1.5) for _ in chosen]
        total_weight = sum(weights)
        margin = rng.uniform(0.26, 0.49)
        lines = []
        for product, weight in zip(chosen, weights, strict=True):
            share = target * weight / total_weight
            list_price = self.products[product][2] * 100
            quantity = max(1, round(share / (list_price * rng.uniform(0.8, 1.0))))
            unit_price = int(share / quantity)
            line_margin = _clamp(margin + rng.uniform(-0.02, 0.02), 0.26, 0.49)
            unit_cost = int(unit_price * (1 - line_margin))
            lines.append((product, quantity, unit_price, unit_cost))
        return sorted(lines)

    def build_contracts(self) -> None:
        rng, today = self.rng, self.today
        contracts: list[_Contract] = []
        for opp in self.opportunities:
            if opp.status != "won":
                continue
            owner = self.users[opp.owner]
            signed = min(opp.closed + dt.timedelta(days=rng.randint(0, 20)), today)
            if owner.left:
                signed = min(signed, owner.left)
            contracts.append(
                _Contract(
                    customer=opp.customer,
                    opportunity=opp,
                    owner=opp.owner,
                    signed=signed,
                    lines=self._lines(opp.line, opp.amount),
                    status="cancelled" if rng.random() < 0.015 else "active",
                    cost_known=rng.random() < 0.9,
                )
            )
        # Orders without a deal: yearly maintenance, spare parts, training.
        for customer in self.customers:
            for year in self.years:
                first = max(dt.date(year, 1, 1), customer.created + DAY)
                last = min(dt.date(year, 12, 31), today)
                if first > last:
                    continue
                lam = (0.12 + 0.5 * customer.deal_rate / 4) * customer.growth[year]
                for _ in range(_poisson(rng, lam * ((last - first).days + 1) / 365)):
                    signed = self.workday_between(first, last) or first
                    product = rng.choices(("SVC-MAINT", "SVC-SPARE", "SVC-TRAIN"), (3, 5, 2))[0]
                    list_price = self.products[product][2] * 100
                    quantity = rng.randint(1, 3) if product == "SVC-MAINT" else rng.randint(1, 12)
                    unit_price = int(list_price * rng.uniform(0.85, 1.0)) // 100 * 100
                    unit_cost = int(unit_price * (1 - rng.uniform(0.3, 0.49)))
                    contracts.append(
                        _Contract(
                            customer=customer,
                            opportunity=None,
                            owner=self.owner_of(customer, signed),
                            signed=signed,
                            lines=[(product, quantity, unit_price, unit_cost)],
                            status="cancelled" if rng.random() < 0.04 else "active",
                            cost_known=rng.random() < 0.85,
                        )
                    )
        contracts.sort(
            key=lambda c: (
                c.signed,
                c.customer.code,
                c.opportunity.code if c.opportunity else "",
                c.lines[0][0],
            )
        )
        per_year: dict[int, int] = defaultdict(int)
        for contract in contracts:
            per_year[contract.signed.year] += 1
            contract.code = f"HT{contract.signed.year}-{per_year[contract.signed.year]:04d}"
            customer = contract.customer
            if contract.status != "cancelled" and (
                customer.first_signed is None or contract.signed < customer.first_signed
            ):
                customer.first_signed = contract.signed
        self.contracts = contracts

    def build_finance(self) -> None:
        """Contract rows with their lines, payments and deliveries."""
        rng, today = self.rng, self.today
        for contract in self.contracts:
            amount = contract.amount
            payments: list[tuple[int, dt.date]] = []
            if amount < 1_000_000 * 100:
                plan = [(1.0, rng.randint(30, 90))]
            else:
                plan = [(0.3, 30), (0.6, rng.randint(150, 300)), (0.1, 400)]
            remaining = amount
            for index, (share, days) in enumerate(plan):
                part = remaining if index == len(plan) - 1 else int(amount * share)
                remaining -= part
                payments.append((part, contract.signed + dt.timedelta(days=days)))
            rows = []
            all_paid = True
            for index, (part, due) in enumerate(payments, start=1):
                paid = None
                if contract.status == "cancelled":
                    if index > 1 or rng.random() < 0.5:
                        continue  # only an advance, sometimes, was paid before cancelling
                    paid = min(due, today)
                elif due <= today:
                    late_risk = 0.45 if contract.customer.slow_payer else 0.06
                    if rng.random() >= late_risk or (today - due).days > 500:
                        paid = due + dt.timedelta(days=rng.randint(-10, 45))
                        paid = min(max(paid, contract.signed), today)
                elif (due - today).days < 30 and rng.random() < 0.2:
                    paid = self.day_between(contract.signed, today)
                all_paid = all_paid and paid is not None
                rows.append((f"{contract.code}-P{index}", part, due, paid))
            deliveries = []
            hardware = any(not p.startswith("SVC-") or p == "SVC-PHM" for p, *_ in contract.lines)
            if hardware and contract.status != "cancelled":
                phases = 2 if amount > 30_000_000 * 100 and rng.random() < 0.5 else 1
                begin = contract.signed
                for index in range(1, phases + 1):
                    started = begin + dt.timedelta(days=rng.randint(7, 45))
                    if started > today:
                        break
                    span = rng.randint(30, 120) + int(60 * math.log10(max(amount / 1e8, 1)))
                    completed = started + dt.timedelta(days=span)
                    if completed <= today:
                        result = "success" if rng.random() < 0.9 else "failed"
                    else:
                        result, completed = "in_progress", None
                    deliveries.append((f"{contract.code}-D{index}", started, completed, result))
                    if completed is None:
                        break
                    begin = completed
            finished = all(d[3] != "in_progress" for d in deliveries)
            settled = deliveries or (today - contract.signed).days > 365
            if contract.status == "active" and all_paid and finished and settled:
                contract.status = "completed"
            self.add(
                "contracts",
                code=contract.code,
                customer_code=contract.customer.code,
                opportunity_code=contract.opportunity.code if contract.opportunity else "",
                owner_username=contract.owner,
                signed_on=contract.signed,
                amount=money(amount),
                cost=money(contract.cost) if contract.cost_known else "",
                status=contract.status,
            )
            for product, quantity, unit_price, unit_cost in contract.lines:
                self.add(
                    "contract_lines",
                    contract_code=contract.code,
                    product_code=product,
                    quantity=quantity,
                    unit_price=money(unit_price),
                    unit_cost=money(unit_cost),
                )
            for code, part, due, paid in rows:
                self.add(
                    "payments",
                    code=code,
                    contract_code=contract.code,
                    amount=money(part),
                    due_on=due,
                    paid_on=paid,
                )
            for code, started, completed, result in deliveries:
                self.add(
                    "deliveries",
                    code=code,
                    contract_code=contract.code,
                    started_on=started,
                    completed_on=completed,
                    result=result,
                )

    # -- activities, expenses ----------------------------------------------------------------

    def build_activities(self) -> None:
        rng, today = self.rng, self.today
        open_deals: dict[str, list[_Opportunity]] = defaultdict(list)
        for opp in self.opportunities:
            open_deals[opp.customer.code].append(opp)
        activities = []  # (day, customer, owner, type, opp, contacts, summary, attitude)
        for customer in self.customers:
            for year in self.years:
                first = max(dt.date(year, 1, 1), customer.created + DAY)
                last = min(dt.date(year, 12, 31), today)
                if first > last:
                    continue
                tier = customer.tier_at(dt.date(year, 12, 31))[0]
                base = {"S": 15, "A": 11, "B": 8, "C": 4.5}.get(tier, 2.0)
                lam = base * min(2.0, customer.growth[year]) ** 0.5
                lam *= ((last - first).days + 1) / 365
                for _ in range(_poisson(rng, lam)):
                    day = self.workday_between(first, last)
                    if day is None:
                        continue
                    activities.append(self._activity(customer, day, tier, open_deals))
                if tier == "S" and rng.random() < 0.8:
                    day = self.workday_between(first, last)
                    if day:
                        activity = list(self._activity(customer, day, tier, open_deals))
                        activity[2], activity[3] = "ceo", "visit"
                        top = customer.contacts[0]
                        activity[5] = [top]
                        activity[6] = (
                            f"高层拜访：与{top.title}{top.name}会谈，就战略合作和{{line}}达成共识。"
                        )
                        activities.append(tuple(activity))
        activities.sort(key=lambda a: (a[0], a[1].code, a[2], a[3]))
        per_year: dict[int, int] = defaultdict(int)
        expense_rows = []
        for day, customer, owner, kind, opp, contacts, summary, attitude in activities:
            per_year[day.year] += 1
            code = f"HD{day.year}-{per_year[day.year]:05d}"
            line = opp.line if opp else rng.choices(LINES, KIND_PROFILE[customer.kind][2])[0]
            lead_contact = contacts[0] if contacts else None
            text = summary.format(
                title=lead_contact.title if lead_contact else "客户",
                name=lead_contact.name if lead_contact else "",
                dept=lead_contact.department if lead_contact else "客户相关部门",
                line=line,
            )
            self.add(
                "activities",
                code=code,
                type=kind,
                occurred_on=day,
                owner_username=owner,
                customer_code=customer.code,
                opportunity_code=opp.code if opp else "",
                contact_codes=";".join(c.code for c in contacts),
                summary=text,
                attitude=attitude,
            )
            if kind in ("visit", "dinner", "meeting") and rng.random() < 0.35:
                category = "presales" if self.users[owner].role == "presales" else "sales"
                if kind == "dinner":
                    amount, note = rng.randint(2000, 20000), f"业务招待：{customer.short}"
                else:
                    amount, note = rng.randint(1000, 12000), f"差旅费：拜访{customer.short}"
                expense_rows.append((day, owner, category, amount * 100, customer, opp, note))
        self._expenses(expense_rows)

    def _activity(self, customer: _Customer, day: dt.date, tier: str, open_deals):
        rng = self.rng
        live = [
            o
            for o in open_deals[customer.code]
            if o.created <= day and (o.end is None or day <= o.end)
        ]
        opp = rng.choice(live) if live and rng.random() < 0.6 else None
        owner = self.owner_of(customer, day)
        kind = rng.choices(ACTIVITY_TYPES, ACTIVITY_WEIGHTS)[0]
        roll = rng.random()
        if roll < 0.12:
            engineers = [u for u, _a in opp.presales if self.users[u].employed(day)] if opp else []
            engineers = engineers or self.presales_of(customer.region, day)
            if engineers:
                owner, kind = rng.choice(engineers), rng.choice(("demo", "meeting", "visit"))
        elif roll < 0.17:
            owner = self.team_manager[self.users[owner].team]
        elif roll < 0.2 and tier in ("S", "A"):
            owner = self.region_head[customer.region]
        pool = customer.contacts
        k = min(len(pool), rng.choice((1, 1, 1, 2, 2, 3)))
        weights = [c.influence + (2 if tier in ("S", "A") else 0) for c in pool]
        picked: list[_Contact] = []
        for _ in range(k * 3):
            contact = rng.choices(pool, weights)[0]
            if contact not in picked:
                picked.append(contact)
            if len(picked) == k:
                break
        if kind == "email" and rng.random() < 0.5:
            picked = picked[:1]
        attitude = rng.choices(("positive", "neutral", "negative", ""), (48, 34, 12, 6))[0]
        summary = rng.choice(SUMMARIES)
        return (
            day,
            customer,
            owner,
            kind,
            opp,
            sorted(picked, key=lambda c: c.code),
            summary,
            attitude,
        )

    def _expenses(self, from_activities) -> None:
        rng, today = self.rng, self.today
        rows = list(from_activities)
        # Selling costs of established deals: bids, exchanges, hospitality.
        for opp in self.opportunities:
            if not opp.established:
                continue
            end = min(opp.closed or today, today)
            for _ in range(rng.choice((1, 1, 2, 3))):
                day = self.workday_between(opp.established, end)
                if day is None:
                    continue
                note = rng.choice(SALES_EXPENSES)
                customer = opp.customer if rng.random() < 0.7 else None
                amount = max(5_000, int(opp.amount / 100 * rng.uniform(0.003, 0.015)))
                rows.append(
                    (
                        day,
                        self.owner_of(opp.customer, day),
                        "sales",
                        amount // 100 * 100 * 100,
                        customer,
                        opp,
                        f"{note}：{opp.name}",
                    )
                )
        # Presales travel, proof-of-concept and review costs on supported deals.
        for opp in self.opportunities:
            for username, assigned in opp.presales:
                user = self.users[username]
                end = min(opp.closed or today, user.left or today, today)
                for _ in range(rng.choice((0, 1, 1, 2, 3))):
                    day = self.workday_between(assigned, end)
                    if day is None:
                        continue
                    note = rng.choice(
                        ("方案评审差旅", "样机测试费用", "技术交流差旅", "投标文件制作")
                    )
                    customer = opp.customer if rng.random() < 0.6 else None
                    rows.append(
                        (
                            day,
                            username,
                            "presales",
                            rng.randint(1500, 30000) * 100,
                            customer,
                            opp,
                            f"{note}：{opp.customer.short}",
                        )
                    )
        for year in self.years:
            first, last = dt.date(year, 1, 1), min(dt.date(year, 12, 31), today)
            for _ in range(rng.randint(6, 10)):
                day = self.workday_between(first, last)
                if day is None:
                    continue
                region = rng.choice(list(SLOTS))
                owner = rng.choice(("ceo", self.region_head[region]))
                rows.append(
                    (
                        day,
                        owner,
                        "marketing",
                        rng.randint(50, 600) * 1000 * 100,
                        None,
                        None,
                        rng.choice(MARKETING_EVENTS),
                    )
                )
            for username, user in self.users.items():
                if user.role not in ("sales", "kam", "presales"):
                    continue
                for _ in range(rng.randint(1, 3)):
                    day = self.workday_between(
                        max(first, user.joined or first), min(last, user.left or last)
                    )
                    if day is None:
                        continue
                    category = "presales" if user.role == "presales" else "other"
                    note = rng.choice(("行业培训费", "资质认证费", "办公用品", "通讯补贴"))
                    rows.append(
                        (day, username, category, rng.randint(200, 5000) * 100, None, None, note)
                    )
        rows.sort(key=lambda r: (r[0], r[1], r[2], r[3]))
        per_year: dict[int, int] = defaultdict(int)
        for day, owner, category, amount, customer, opp, note in rows:
            per_year[day.year] += 1
            self.add(
                "expenses",
                code=f"FY{day.year}-{per_year[day.year]:05d}",
                owner_username=owner,
                category=category,
                incurred_on=day,
                amount=money(amount),
                customer_code=customer.code if customer else "",
                opportunity_code=opp.code if opp else "",
                note=note,
            )

    # -- service -----------------------------------------------------------------------------

    def build_service(self) -> None:
        rng, today = self.rng, self.today
        requests = []
        surveys: set[tuple[str, dt.date, str]] = set()
        survey_rows = []
        agents = [u for u in self.users.values() if u.role in ("service", "delivery")]
        for customer in self.customers:
            if customer.first_signed is None:
                continue
            size = min(3.0, customer.expected_spend / 20_000_000)
            for year in self.years:
                first = max(dt.date(year, 1, 1), customer.first_signed)
                last = min(dt.date(year, 12, 31), today)
                if first > last:
                    continue
                fraction = ((last - first).days + 1) / 365
                for _ in range(_poisson(rng, (0.5 + 1.2 * size) * fraction)):
                    opened = self.day_between(first, last)
                    title, category, _line = rng.choice(REQUEST_TITLES)
                    priority = rng.choices(("low", "normal", "high", "critical"), (2, 6, 3, 1))[0]
                    staff = [u.username for u in agents if u.employed(opened)]
                    service = [u for u in staff if self.users[u].role == "service"]
                    assignee = rng.choice(service if service and rng.random() < 0.7 else staff)
                    response = opened + dt.timedelta(days=rng.choice((0, 0, 0, 1, 1, 2, 3, 5)))
                    resolved = response + dt.timedelta(days=rng.randint(0, 30))
                    if response > today:
                        response = resolved = None
                        status = "open"
                    elif resolved > today:
                        resolved, status = None, "in_progress"
                    else:
                        status = "closed" if (today - resolved).days > 14 else "resolved"
                    if status == "open" and rng.random() < 0.3:
                        assignee = ""  # not yet routed
                    requests.append(
                        (
                            opened,
                            customer,
                            title,
                            priority,
                            category,
                            assignee,
                            response,
                            resolved,
                            status,
                        )
                    )
                    if resolved and rng.random() < 0.3:
                        day = min(resolved + dt.timedelta(days=rng.randint(1, 7)), today)
                        contact = rng.choice(customer.contacts)
                        if (customer.code, day, contact.code) not in surveys:
                            surveys.add((customer.code, day, contact.code))
                            csat = rng.choices((1, 2, 3, 4, 5), (1, 2, 4, 8, 6))[0]
                            nps = int(_clamp(csat * 2 + rng.randint(-2, 1), 0, 10))
                            survey_rows.append((customer.code, day, contact.code, csat, nps))
                # The year-end satisfaction survey.
                survey_day = dt.date(year, 12, 1) + dt.timedelta(days=rng.randint(0, 20))
                if survey_day <= today and survey_day >= first and rng.random() < 0.8:
                    anonymous = rng.random() < 0.25
                    contact = "" if anonymous else rng.choice(customer.contacts).code
                    if (customer.code, survey_day, contact) not in surveys:
                        surveys.add((customer.code, survey_day, contact))
                        csat = rng.choices((1, 2, 3, 4, 5), (1, 2, 5, 9, 6))[0]
                        nps = int(_clamp(csat * 2 + rng.randint(-3, 1), 0, 10))
                        survey_rows.append((customer.code, survey_day, contact, csat, nps))
        requests.sort(key=lambda r: (r[0], r[1].code, r[2]))
        per_year: dict[int, int] = defaultdict(int)
        for (
            opened,
            customer,
            title,
            priority,
            category,
            assignee,
            response,
            resolved,
            status,
        ) in requests:
            per_year[opened.year] += 1
            self.add(
                "service_requests",
                code=f"SR{opened.year}-{per_year[opened.year]:04d}",
                customer_code=customer.code,
                opened_on=opened,
                title=f"{customer.short}{title}",
                priority=priority,
                category=category,
                assignee_username=assignee,
                first_response_on=response,
                resolved_on=resolved,
                status=status,
            )
        for customer_code, day, contact, csat, nps in sorted(survey_rows):
            self.add(
                "surveys",
                customer_code=customer_code,
                surveyed_on=day,
                contact_code=contact,
                csat=csat,
                nps=nps,
            )

    # -- account teams and targets -----------------------------------------------------------

    def build_account_teams(self) -> None:
        rng, today = self.rng, self.today
        for customer in self.customers:
            tier = customer.tier_at(today)[0]
            if tier not in ("S", "A", "B"):
                continue
            owner = self.owner_of(customer, today)
            members = [(owner, "kam" if self.users[owner].role == "kam" else "sales")]
            staff = self.presales_of(customer.region, today)
            if staff:
                members.append((rng.choice(staff), "presales"))
            if tier in ("S", "A") or rng.random() < 0.5:
                members.append((rng.choice(("tian.ye", "yuan.ming")), "delivery"))
            if tier in ("S", "A"):
                members.append((rng.choice(("dong.jie", "pan.wei")), "service"))
            if tier == "S":
                members.append(
                    (
                        "ceo" if rng.random() < 0.5 else self.region_head[customer.region],
                        "executive_sponsor",
                    )
                )
            elif tier == "A" and rng.random() < 0.6:
                members.append((self.region_head[customer.region], "executive_sponsor"))
            for username, role in members:
                self.add("account_team", customer_code=customer.code, username=username, role=role)

    def build_targets(self) -> None:
        """Targets near what was achieved (attainment 80–120 %), by year and quarter."""
        rng, today = self.rng, self.today
        actual: dict[tuple[str, str, str, str], float] = defaultdict(float)

        def scopes(username: str):
            user = self.users[username]
            yield ("org", "")
            if user.region:
                yield ("region", user.region)
            if user.team:
                yield ("team", user.team)
                if user.team != user.region:
                    yield ("team", user.region)  # the region head's team holds the others
            yield ("user", username)

        def count(day: dt.date, username: str, measure: str, value: float) -> None:
            quarter = f"{day.year}Q{(day.month - 1) // 3 + 1}"
            for scope, code in scopes(username):
                for period in (str(day.year), quarter):
                    actual[(scope, code, period, measure)] += value

        amounts = {r["code"]: r for r in self.out["contracts"]}
        for contract in self.contracts:
            if contract.status != "cancelled":
                count(contract.signed, contract.owner, "contract_amount", contract.amount / 100)
        for row in self.out["payments"]:
            contract = amounts[row["contract_code"]]
            if row["paid_on"] and contract["status"] != "cancelled":
                count(
                    dt.date.fromisoformat(row["paid_on"]),
                    contract["owner_username"],
                    "payment_amount",
                    float(row["amount"]),
                )
        for opp in self.opportunities:
            count(opp.created, opp.owner, "new_opportunities", 1)
            if opp.status == "won":
                count(opp.closed, opp.owner, "won_amount", opp.amount / 100)
        for row in self.out["activities"]:
            if row["type"] == "visit":
                count(dt.date.fromisoformat(row["occurred_on"]), row["owner_username"], "visits", 1)

        measures = (
            "contract_amount",
            "payment_amount",
            "won_amount",
            "new_opportunities",
            "visits",
        )
        wanted: list[tuple[str, str, str, str]] = []
        sales_teams = [f"{r}-S{i}" for r, *_ in REGIONS for i in (1, 2)]
        reps = [u for u in self.users.values() if u.role in ("sales", "kam")]
        for year in self.years:
            periods = [str(year)] + [f"{year}Q{q}" for q in range(1, 5)]
            for period in periods:
                wanted += [("org", "", period, m) for m in measures]
                wanted += [("region", r, period, m) for r, *_ in REGIONS for m in measures[:3]]
            wanted += [("team", t, str(year), m) for t in sales_teams for m in measures]
            for rep in reps:
                if (rep.joined is None or rep.joined.year <= year) and (
                    rep.left is None or rep.left.year >= year
                ):
                    wanted += [("user", rep.username, str(year), m) for m in measures]
        for scope, code, period, measure in wanted:
            year = int(period[:4])
            if period.endswith(("Q1", "Q2", "Q3", "Q4")):
                quarter = int(period[-1])
                end = dt.date(year + (quarter == 4), (quarter * 3) % 12 + 1, 1)
            else:
                end = dt.date(year + 1, 1, 1)
            achieved = actual.get((scope, code, period, measure), 0.0)
            if end > today:
                # A running period: plan from the same period a year earlier, grown a little.
                previous = period.replace(str(year), str(year - 1), 1)
                achieved = max(achieved, actual.get((scope, code, previous, measure), 0.0) * 1.1)
            value = achieved * rng.uniform(0.85, 1.2)
            if measure.endswith("amount"):
                value = max(100_000, round(value / 10_000) * 10_000)
                text = f"{int(value)}.00"
            else:
                text = str(max(1, round(value)))
            self.add(
                "targets", scope=scope, scope_code=code, period=period, measure=measure, value=text
            )
        for year in self.years:
            day, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
            while day <= end:
                if day in self.holidays:
                    self.add("working_calendar", date=day, kind="holiday")
                elif day in self.makeup:
                    self.add("working_calendar", date=day, kind="workday")
                day += DAY

    # -- the rows built from objects -----------------------------------------------------------

    def emit(self) -> None:
        today = self.today
        for customer in self.customers:
            self.add(
                "customers",
                code=customer.code,
                name=customer.name,
                industry=customer.industry,
                region_code=customer.region,
                owner_username=self.owner_of(customer, today),
                parent_code=customer.parent.code if customer.parent else "",
                expected_annual_spend=money(customer.expected_spend * 100),
                annual_category_spend=money(customer.category_spend * 100),
                strategic_importance=customer.importance,
                created_on=customer.created,
            )
            by_layer: dict[int, list[_Contact]] = defaultdict(list)
            for contact in customer.contacts:
                by_layer[contact.layer].append(contact)
            for index, contact in enumerate(customer.contacts):
                boss = ""
                if contact.layer > 0:
                    above = [c for c in customer.contacts[:index] if c.layer < contact.layer]
                    closest = max(c.layer for c in above)
                    bosses = [c for c in above if c.layer == closest]
                    boss = bosses[(int(contact.code[2:]) * 7) % len(bosses)].code
                self.add(
                    "contacts",
                    code=contact.code,
                    customer_code=customer.code,
                    name=contact.name,
                    title=contact.title,
                    department=contact.department,
                    reports_to_code=boss,
                    decision_role=contact.decision_role,
                    influence=contact.influence,
                    attitude=contact.attitude,
                    phone=contact.phone,
                )
                for day, closeness, solution, price in contact.history:
                    self.add(
                        "relationship_assessments",
                        contact_code=contact.code,
                        assessed_on=day,
                        closeness=closeness,
                        solution_acceptance=solution,
                        price_acceptance=price,
                        assessed_by=self.owner_of(customer, day),
                    )
        for opp in self.opportunities:
            self.add(
                "opportunities",
                code=opp.code,
                customer_code=opp.customer.code,
                name=opp.name,
                owner_username=opp.owner,
                origin=opp.origin,
                amount=money(opp.amount),
                created_on=opp.created,
                review_status=opp.review,
                established_on=opp.established,
                rejected_on=opp.rejected,
                stage=opp.stage,
                status=opp.status,
                closed_on=opp.closed,
                estimated_presales_cost=money(opp.presales_cost) if opp.presales_cost else "",
                lost_reason=opp.lost_reason,
                competitor_codes=";".join(opp.competitors),
            )
            for contact, role, influence in opp.chain:
                self.add(
                    "decision_chain",
                    opportunity_code=opp.code,
                    contact_code=contact.code,
                    role=role,
                    influence=influence,
                )
        # Keep every file in a stable, readable order.
        order = {
            "customers": "code",
            "contacts": "code",
            "opportunities": "code",
            "contracts": "code",
            "leads": "code",
        }
        for name, column in order.items():
            self.out[name].sort(key=lambda row, c=column: row[c])
        self.out["relationship_assessments"].sort(
            key=lambda row: (row["contact_code"], row["assessed_on"])
        )
        self.out["time_entries"].sort(
            key=lambda row: (row["worked_on"], row["username"], row["opportunity_code"])
        )


def generate(
    seed: int = DEFAULT_SEED, today: dt.date | None = None
) -> dict[str, list[dict[str, str]]]:
    """The demo company's data bundle (DATASET.md): file name → rows of column → string."""
    return _Demo(seed, today or DEMO_TODAY).build()
