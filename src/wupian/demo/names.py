"""Chinese names for the synthetic bank: people, enterprises, shops, hospitals, cities and streets.

All characters are common ones that also exist in GBK, so any table can be exported the way an older branch
system would (GBK, Chinese headers). Names are fictitious; any likeness to a real entity is coincidence.
"""

from __future__ import annotations

import numpy as np

SURNAMES = tuple(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
)
GIVEN = tuple(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红文斌亮玉梅晓东海波宁鹏飞凤丹萍慧春雪婷玲颖凯"
    "浩宇欣怡佳琪子轩博文思雨梓涵俊辉德福秀英振兴永胜金山立新淑珍桂芝玉兰学军春生秋菊冬梅云龙家乐嘉欣"
)
BRAND_CHARS = tuple("恒信宏达华源鑫盛瑞丰金泰永安东方新兴天成正和隆昌顺利通宝德润泽海博远景创联嘉诚万佳中冀鲁豫")
STREETS = (
    "建设路", "人民路", "解放路", "新华路", "中华路", "胜利路", "光明路", "朝阳路", "黄河路", "长江路", "文化路",
    "工业路", "青年路", "迎宾路", "永安路", "和平路", "北京路", "开发区", "高新区", "滨河路", "站前路", "东风路",
)
SHOPS = ("五金店", "副食店", "便利店", "饭店", "服装店", "建材店", "汽修部", "农资店", "水果店", "理发店", "药店",
         "家电维修部", "面馆", "烟酒店", "蔬菜批发部", "粮油店", "快递驿站", "茶叶店")
CORP_SUFFIX = ("有限公司", "有限责任公司", "股份有限公司", "集团有限公司")


def people(rng: np.random.Generator, size: int) -> np.ndarray:
    """Personal names: surname + one or two given-name characters."""
    sur = np.array(SURNAMES, dtype=object)[rng.integers(0, len(SURNAMES), size)]
    g = np.array(GIVEN, dtype=object)
    first = g[rng.integers(0, g.size, size)]
    second = np.where(rng.random(size) < 0.7, g[rng.integers(0, g.size, size)], "")
    return sur + first + second


def brands(rng: np.random.Generator, size: int) -> np.ndarray:
    b = np.array(BRAND_CHARS, dtype=object)
    return b[rng.integers(0, b.size, size)] + b[rng.integers(0, b.size, size)]


def short_industry(names: np.ndarray) -> np.ndarray:
    """'锅炉及辅助设备制造' → '锅炉及辅助设备制造' trimmed to a company-name-sized phrase."""
    out = []
    for n in names.tolist():
        n = n.replace("其他", "").replace("、", "").split("和")[0].split("及")[0]
        out.append(n[:8] if n else "实业")
    return np.array(out, dtype=object)


def enterprises(rng: np.random.Generator, city: np.ndarray, industry_names: np.ndarray) -> np.ndarray:
    size = city.size
    suffix = np.array(CORP_SUFFIX, dtype=object)[rng.choice(4, size, p=[0.7, 0.15, 0.1, 0.05])]
    return city + brands(rng, size) + short_industry(industry_names) + suffix


def shops(rng: np.random.Generator, city: np.ndarray, surnames_of: np.ndarray) -> np.ndarray:
    st = np.array(STREETS, dtype=object)[rng.integers(0, len(STREETS), city.size)]
    shop = np.array(SHOPS, dtype=object)[rng.integers(0, len(SHOPS), city.size)]
    return city + "市" + st + np.array([s[0] for s in surnames_of.tolist()], dtype=object) + "记" + shop


HOSPITALS_GRADE3 = ("中心医院", "人民医院", "中医院")
HOSPITALS_GRADE2 = ("第二人民医院", "第三人民医院", "妇幼保健院", "骨科医院", "眼科医院", "口腔医院", "传染病医院",
                    "精神卫生中心", "中西医结合医院", "肿瘤医院", "儿童医院", "康复医院")
CLINIC_KINDS = ("社区卫生服务中心", "卫生院", "社区卫生服务站", "门诊部", "诊所")
ORG_KINDS = ("中学", "小学", "职业技术学院", "养老院", "颐养中心", "福利院", "幼儿园", "图书馆", "疾病预防控制中心")
CLUSTERS = ("管道装备产业集群", "铸造产业集群", "汽车零部件产业集群", "服装服饰产业集群", "五金机电产业集群",
            "绿色化工产业集群", "食品加工产业集群", "家具制造产业集群", "电线电缆产业集群", "玻璃制品产业集群")
