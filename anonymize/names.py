"""Person-name knowledge: surnames, trigger and cue words, and dictionary checks that reject ordinary words."""
import functools
import re

# The dots that join the parts of a transliterated minority name (迪丽努尔·艾买提), in the forms typed.
NAME_DOTS = "·•・．‧･"

# Single-character surnames: the Hundred Family Surnames plus common modern ones.
SINGLE_SURNAMES = frozenset(
    "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛奚范彭郎"
    "鲁韦昌马苗凤花方俞任袁柳酆鲍史唐费廉岑薛雷贺倪汤滕殷罗毕郝邬安常乐于时傅皮卞齐康伍余元卜顾孟平黄"
    "穆萧尹姚邵湛汪祁毛禹狄米贝明臧计伏成戴谈宋茅庞熊纪舒屈项祝董梁杜阮蓝闵席季麻强贾路娄危江童颜郭"
    "梅盛林刁钟徐邱骆高夏蔡田樊胡凌霍虞万支柯昝管卢莫经房裘缪干解应宗丁宣贲邓郁单杭洪包诸左石崔吉钮龚"
    "程嵇邢滑裴陆荣翁荀羊於惠甄曲家封芮羿储靳汲邴糜松井段富巫乌焦巴弓牧隗山谷车侯宓蓬全郗班仰秋仲伊宫"
    "宁仇栾暴甘钭厉戎祖武符刘景詹束龙叶幸司韶郜黎蓟薄印宿白怀蒲邰从鄂索咸籍赖卓蔺屠蒙池乔阴胥能苍双闻"
    "莘党翟谭贡劳逄姬申扶堵冉宰郦雍却璩桑桂濮牛寿通边扈燕冀郏浦尚农温别庄晏柴瞿阎充慕连茹习宦艾鱼容向"
    "古易慎戈廖庾终暨居衡步都耿满弘匡国文寇广禄阙东欧殳沃利蔚越夔隆师巩厍聂晁勾敖融冷訾辛阚那简饶空曾"
    "毋沙乜养鞠须丰巢关蒯相查后荆红游竺权逯盖益桓公晋楚闫法汝鄢涂钦岳帅缑亢况郈有琴商牟佘佴伯赏墨哈谯"
    "笪年爱阳佟言福付占覃虎代练揭银仝苟钞么丛尉粟邸泮衣亓沐肖兰谌植鹿伞芦麦隋苑迟邝栗冼盘豆朴卿初敬辜修战宾檀展智奉尧闭漆赫官位原由鲜普"
    # rarer modern surnames (also in Faker's zh_CN list); most are common words too: see RISKY_SURNAMES
    "和南楼区海门来阿母玉呼但冶斯信"
)

COMPOUND_SURNAMES = (
    "欧阳 太史 端木 上官 司马 东方 独孤 南宫 万俟 闻人 夏侯 诸葛 尉迟 公羊 赫连 澹台 皇甫 宗政 濮阳 公冶"
    " 太叔 申屠 公孙 慕容 仲孙 钟离 长孙 宇文 司徒 鲜于 司空 闾丘 子车 亓官 司寇 巫马 公西 颛孙 壤驷 公良"
    " 漆雕 乐正 宰父 谷梁 拓跋 夹谷 轩辕 令狐 段干 百里 呼延 东郭 南门 羊舌 微生 公户 公玉 公仪 梁丘 公仲"
    " 公上 公门 公山 公坚 左丘 公伯 西门 公祖 第五 公乘 贯丘 公皙 南荣 东里 东宫 仲长 子书 子桑 即墨 达奚"
    " 褚师"
).split()

# Words that introduce a person's name in forms, tickets and complaint texts.
TRIGGERS = (
    "申请人 被申请人 联系人 紧急联系人 投诉人 被投诉人 举报人 被举报人 来电人 来访人 来信人 反映人 诉求人 当事人"
    " 法定代表人 法人代表 负责人 经办人 办理人 承办人 受理人 代理人 委托人 受托人 监护人 户主 姓名 名字"
    " 市民 居民 村民 业主 租户 房东 住户 患者 病人 家属 学生 教师 司机 驾驶员 驾驶人 车主 收件人 寄件人 收货人"
    " 持卡人 开户人 购房人 借款人 出借人 担保人 原告 被告 第三人 证人 死者 伤者 嫌疑人 犯罪嫌疑人 被执行人"
    " 申报人 填报人 登记人 签收人 审核人 核查人 检查人 网格员 工作人员 员工 职工 工人 老人 丈夫 妻子 儿子"
    " 女儿 父亲 母亲 孙子 孙女 邻居 同事 我叫 本人 其子 其女 其妻 其夫 民警 医生 护士 店主 摊主 母子 父子"
    " 办事人 代办人 继承人 核查人员 检查人员 儿媳 女婿 配偶 考生 学员 人士 外籍人士 参保人 被征收人 志愿者"
    " 申请执行人 上诉人 被上诉人 申诉人 被申诉人 再审申请人 原审原告 原审被告 被继承人 赔偿义务人 赔偿权利人"
    " 代领人 领取人 陪同人 陪同翻译 翻译"
).split()

# Trigger words of forms and tickets after which a name is certain enough to take one with any surname
# (禤, 仉, 眭 are outside every surname list): the roles a person is named in, not 市民 or 业主.
STRONG_TRIGGERS = (
    "姓名 名字 申请人 被申请人 联系人 紧急联系人 投诉人 被投诉人 举报人 被举报人 来电人 来访人 来信人 反映人"
    " 诉求人 当事人 法定代表人 法人代表 经办人 户主 收件人 寄件人 收货人 持卡人 开户人 我叫"
    " 办事人 代办人 继承人 委托人 受托人 代理人 原告 被告 第三人 核查人员 检查人员 承办人 办理人"
    " 被执行人 申请执行人 上诉人 被上诉人 申诉人 被申诉人 再审申请人 原审原告 原审被告 被继承人"
    " 代领人 领取人 陪同人 陪同翻译 翻译 车主 考生 业主"
).split()

# What follows a party of a judgment or a form when the name is not followed by punctuation: the party's
# act or what it is owed (被告旦增平措赔偿…, 原告达瓦次仁购房定金…, 代办人X持委托书…).
PARTY_AFTER = (
    "向 于 在 与 和 及 持 赔偿 支付 偿还 给付 返还 归还 承担 履行 共同 办理 签约 签订 代为 名下 所有"
    " 工资 购房 医疗 货款 借款 欠款 租金 经济 抚养 赡养 定金 押金 房屋 车辆 诉讼 自愿 放弃 已 未"
    " 不服 答辩 辩称 诉称 起诉 上诉 提出 提起 主张 认为 同意 拒绝 应 应当 须 每月 负担 一次性 按"
).split()

# Kin words that name a family member in a household list (妻X，子Y，之女X): at a clause start only,
# since 子, 女, 妻 are also parts of ordinary words.
KIN_WORDS = (
    "妻 夫 子 女 父 母 儿 孙 长子 次子 三子 长女 次女 三女 孙子 孙女 外孙 外孙女 妻子 丈夫 儿子 女儿 父亲 母亲"
    " 配偶 儿媳 女婿 哥哥 姐姐 弟弟 妹妹 兄 弟 姐 妹 祖父 祖母 外祖父 外祖母 养子 养女 继子 继女"
).split()
# Words that may join a name to the next in a list (张伟、李娜; X与Y离婚纠纷).
LIST_JOINERS = "、与和及"

# Words that cannot begin the second character of a given name: they start the rest of the sentence.
NAME_STOPS = (
    "反映 称 说 表示 来电 来信 来访 投诉 举报 咨询 询问 要求 希望 申请 诉称 报称 反应 于 在 的 地 得 了 着 过"
    " 家住 住 现住 电话 手机 联系 身份 证件 先生 女士 小姐 同志 师傅 老师 等 因 向 对 和 与 及 跟 同 是 为"
    " 要 请 现 已 也 都 就 又 被 将 把 从 到 今 昨 前 后 上 下 个 以 所 一 不 没 无 有 可 能 会 还 曾 并 且"
    " 但 却 而 或 称其 系 签 去 来 买 卖 租 借 欠 拖 未 需 想 认 觉 发 打 拨 讲 告 问 答 经 均 各 自 其 你"
    " 我 他 她 它 们 么 吗 呢 吧 啊 年 月 日 号 时 分 岁 男 女 户 村 镇 区 县 市 省 路 街 室 楼 栋 幢 单"
).split()

# Name-shaped cells that are ordinary words (a surname character followed by a common word).
NOT_NAMES = frozenset(
    (
    "温州 金华 高新 江北 江南 黄岩 万州 石家 常州 贵州 杭州 福州 宁波 宁夏 安徽 安全 安排 安装 周末 周边"
    " 周年 方面 方式 方案 方向 高速 高温 高层 高级 平台 平安 平均 明天 明年 明显 王府 文化 文件 文明 文物"
    " 包括 包装 单位 管理 管道 金额 路灯 路面 路段 江边 车辆 车位 车站 石油 林业 水利 水费 水电 电费 房屋"
    " 房租 房产 时间 时候 成本 成都 成立 成果 余额 全部 全面 宁德 关于 关系 关注 通知 通过 通信 邮政 公共"
    " 公司 公安 公交 公园 公示 公开 公路 公积 国家 国际 国内 和平 东方 东西 南方 西方 海洋 海关 齐全 项目"
    " 程序 程度 向前 曾经 龙湾 鹿城 瓯海 洞头 乐清 瑞安 永嘉 文成 平阳 苍南 泰顺 龙港 蓝天 江心 华侨 景区"
    " 艾滋 申报 申请 谢谢 司法 司机 任务 任何 任职 万元 信息 信访 信用 应急 应当 应该 于是 段落 冷链"
    " 夏季 秋季 冬季 春季 华东 华南 华北 卫生 卫健 经济 经营 经费 解决 解答 计划 计算 计生 白天 商品 商业"
    " 商户 商场 商铺 钱款 钟头 师傅 师兄 师姐 老师 司令 司长 成员 都市 都是 都会 都有 任意 任职 和谐 和睦 华人 华丽 高中 高校 高楼 高价"
    " 叶片 花园 花卉 景观 雷雨 雷电 沙滩 孔洞 麻烦 强制 强度 贾汪 路口 路边 席位"
    ).split()
)

# Characters common in given names. A surname followed by one or two of these is a likely name even
# without a trigger word; the dictionary check in detect.py then rejects ordinary words (高速, 方便).
GIVEN_CHARS = frozenset(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂玉华红梅燕萍飞鹏辉建国文荣志海林波宇浩凯健俊帆帅"
    "旭宁龙琳玲婷雪慧颖晶倩莉佳欣怡璐瑜琴云凤珍芬莲菊淑翠香春青亮成斌坤峰宏毅晨阳东鑫昊彬博轩睿哲瑞杨"
    "雨涵萱琪悦妍嘉泽晓子天思诗梓紫可若依佩蓓露薇楠蕾岚虹丹冰茜瑶婉娴婕媛嫣妮姗娇珊琦璇瑾琼玮珏琰弘德"
    "仁义礼智信忠孝良善永长庆福禄寿喜贵富宝金银铭锋钢铁兵武威雄豪才伦森松柏杉根生发昌盛兴旺祥安康泰"
    "顺利达远航运振家乐欢逸翔鹰鸿鹤鸣声浪潮江河湖泉溪清澄源深洪润沛澜滨瀚渊巍峻岩石山川垚光耀煌晖曦昕"
    "昱晟景夏秋冬霜星辰宙乾书棋画歌舞艺学诚勤俭恭谦慈惠爱恩美芷萌蒙程凌霄腾展翼驰骋骏麟彪奇卓群冠勋功"
    "业立新创拓进升登汉琛丞崇纯聪丛迪栋朵枫芙馥罡耿谷晗翰禾赫恒泓桦焕卉姬吉坚剑姣洁锦劲菁靖君钧楷珂克"
    "昆朗黎连铃翎罗曼茂梦茗楠诺欧琪淇晴全然冉蓉如茹锐韶少绍圣世仕舒双爽朔硕颂素韬恬彤桐童琬维炜蔚雯熙"
    "贤笑馨幸勋亚雅彦扬烨一伊宜仪奕懿茵音莹映优友羽钰煜裕元园苑悦月越跃芸韵增章昭正政之中钟舟洲珠竹宗"
    "祖蕊萍菲艾奥灿婵畅驰帆罡莎彩凤娥姝媚巧妙芝芸蓓蕙璐琬珺瑗璟瑛琰琨璋瑄婧婵嫦娅婀妤娉婷姿媛嫱妲妩"
    "权斐赟骅骥骞骁骊骢骐驹骄骧彧彰彬斌珩瑨璞琮瑀瑭琅琇琛瑞璨璐瑶玥珈珉珑珞瑭鹍鹏鸾鹄鹂鸥莺雁燕凤凰"
    "嘉懿佑祐祺禧祯禄福祥泓沁沐沛沣泠洛涓淼渝湘漪潇澈濛灏炎炫烁焱煊熠燊燚晋晏晔晗昶暄暖曜朗朔望霏霖"
    "霓霞霆震霁靓韬颀颉颂飒馨驿骏鲲鹤麒黛鼎冬兵庆春桂秀英兰芳菊梅莲红霞燕萍琴丽娟艳敏静玲晶雷柳花小"
)

# Verbs and words after which a person's name follows ("如需核实请联系向红", "告知王芳本人").
CUE_BEFORE = (
    "联系 告知 回访 通知 约谈 询问 委托 致电 转告 答复 协调 走访 慰问 救助 帮助 陪同 找到 电话联系 已联系"
    " 交给 交由 转交 移交 指派 邀请 看望 探望 采访 感谢 表扬 批评 处罚 起诉 控告 遇到 雇佣 经与 已与 并与"
).split()
# Single characters that introduce a name only at the start of a clause (据王芳介绍, 请李明于…).
CUE_BEFORE_CLAUSE = "据 请 由 经 是 让 叫 找 给".split()

# Surname characters that are far more often part of ordinary words (有, 全, 法, 管, 向 ...): without a
# trigger word or a whole cell, a name starting with one of them is not trusted.
RISKY_SURNAMES = frozenset(
    "有全法管相官能向时应施智家商第于从都双经信元公上利单位展查印宣关权况同言后益区步充别资开计党宫门原来生新"
    "车空路明平安云通易国强红花水山谷南阳福满盛卫居左冷东鲜由原普"
    "和楼海门来阿母呼但斯"
)

# Words that follow a person's name.
CUE_AFTER = (
    "先生 女士 小姐 同志 师傅 老师 阿姨 大爷 大妈 老人 本人 夫妇 一家 家属 家中 家人 的儿子 的女儿 的妻子 的丈夫"
    " 的孩子 介绍 等人 等 说 称 表示 反映 来电 来信 来访 投诉 举报 咨询 诉称 要求 申请 报警 求助 签字 签收 确认"
    " （男 （女 (男 (女 ，男 ，女 ,男 ,女 （身份证 （手机 （电话 （联系 （住 （户籍 （年龄 （现住 离婚"
).split()

# Compound surnames that are not also everyday words (东方, 第五, 百里, 西门 are), so a name can be
# recognised from them alone.
DISTINCT_COMPOUNDS = (
    "欧阳 司马 诸葛 上官 慕容 皇甫 令狐 尉迟 长孙 宇文 司徒 夏侯 端木 独孤 南宫 公孙 轩辕 拓跋 呼延 澹台 赫连"
    " 申屠 闻人 万俟 濮阳 淳于 单于 钟离 闾丘 鲜于 司空 东郭 梁丘 左丘 公冶 太史 宗政 仲孙"
).split()

# What follows a name that opens a clause (，王芳于3月5日…, 。李明到窗口…, 刘伟多次投诉).
CLAUSE_PREDICATES = (
    "于 到 在 多次 曾 曾经 已 已经 也 又 再 因 将 把 被 对 向 与 和 跟 同 等 从 自 今天 昨天 今年 去年 一直 现 现在"
    " 家住 住 的 说 称 去 来 还 都 就 没 不 想 要 让 给 拨打 拨 致电 前往 来到 到达 驾驶 驾车 骑 乘坐 购买 租住 居住"
    " 所在 名下 系 为 作为 目前 近日 近期 当天 当时 随后 后来 经常 反复 要求 请求 希望 认为 发现 看到 听到 遭到"
).split()

# A surname-led word followed by one of these is part of a place name (东丽区, 通辽路, 宁康西路).
PLACE_SUFFIX_CHARS = "区县市镇乡村路街巷弄道省州港湾岛山江河湖桥站场园苑"
# Places, stations, roads, teams and organisations that begin with a surname character (王府井, 李沧区,
# 何家浜村, 越秀大队, 万寿西宫, 辛安派出所): the suffix says what the word is. Single characters that
# end a place or an organisation's name, and longer suffixes (matched first).
PLACE_SUFFIX_SINGLE = PLACE_SUFFIX_CHARS + "庄屯寨堡坝浜塘墩洼圩垄岗坪峪井城宫寺庙观阁塔关营集埠渡滩洲局所院馆厂店科处队"
PLACE_SUFFIX_WORDS = (
    "大道 大街 社区 街道 地区 片区 小区 新区 园区 景区 开发区 工业园 科技园 产业园 派出所 分局 大队 中队 支队 分队"
    " 分公司 公司 集团 支行 分行 银行 营业部 科学城 新城 花园 家园 新村 广场 大厦 中心 委员会 村委会 居委会 医院"
    " 卫生院 学校 中学 小学 幼儿园 大学 学院 监测站 水库 公园 机场 码头 车站 市场 商场 农场 林场 胡同 监测点"
    " 东路 西路 南路 北路 中路 一路 二路 三路 大桥 隧道 立交 地铁站 公交站 服务区 收费站 合作社"
).split()
# After a single-character suffix, these make it a verb or a title instead (站在, 王局长, 住院了).
_SUFFIX_NOT_PLACE_NEXT = "在着了起住长过"
_PLACE_WORD_RX = re.compile("[东西南北中]?(?:" + "|".join(sorted(PLACE_SUFFIX_WORDS, key=len, reverse=True)) + ")")
# Characters that cannot sit inside a place name between a surname-led word and its suffix.
_PLACE_BODY_STOPS = frozenset("在住于的是到从向往了与及或被把将称我他她们其该此这那无对给让经据由请要因说和跟同也都就又还已曾"
                              "，,。；;：:！!？?、 （()）\n")


def place_follows(text: str, end: int) -> bool:
    """The characters from `end` continue a place or organisation name: directly (区, 西路, 大队,
    派出所) or after one or two more characters of its own (何家|浜村, 赵登|禹路, 张江|科学城, 万寿|西宫).
    A suffix that starts a verb or title (出院, 站在, 局长) does not count."""
    if text.startswith(("哈尔", "浩特"), end):
        return True
    n = len(text)
    for body in range(3):
        at = end + body
        if at >= n or (body and text[at - 1] in _PLACE_BODY_STOPS):
            return False
        if body and _verb_like(text[end:end + 2]):
            return False  # 出院, 回到, 开车: the name is followed by what the person did
        if _PLACE_WORD_RX.match(text, at):
            return True
        if text[at] in PLACE_SUFFIX_SINGLE and (at + 1 >= n or text[at + 1] not in _SUFFIX_NOT_PLACE_NEXT) \
                and not (body == 0 and _verb_like(text[at:at + 2])) \
                and not (body == 1 and _common_not_place(text[end:at + 1])):
            return True
    return False


def _common_not_place(two: str) -> bool:
    """A frequent word that is no place name (出院, 进站, 回家): what the person did, not where."""
    tag = _tags().get(two)
    return tag is not None and not tag.startswith("ns") and _freq(two) >= 50


def _verb_like(two: str) -> bool:
    """A frequent word that is not a noun: a verb, adverb, preposition ... (出院, 站起, 所以)."""
    if len(two) < 2:
        return False
    tag = _tags().get(two)
    return tag is not None and tag[0] in "vdpcurqfatm" and _freq(two) >= 50


_PLACE_END = frozenset("区县市镇乡村路街巷弄号室楼省厅局港湾寨屯堡坝浜塘墩洼圩")
# Ends of places that a two-character given name seldom has (巴逸园, 聂沁宫, 李家庄).
_PLACE_END3 = frozenset("园宫寺庙观庄桥站队所院馆厂店科")
_COMPOUND = frozenset(COMPOUND_SURNAMES)
_SAFE_FIRST = (SINGLE_SURNAMES - RISKY_SURNAMES) | frozenset(c[0] for c in COMPOUND_SURNAMES)


@functools.lru_cache(maxsize=65536)  # the same candidates recur in every cell (凌晨, 高峰, 乐清)
def name_invalid(s: str, trusted: bool = False) -> bool:
    """Not a name: a common word (信息, 时代, 家属), or ending like a place (东丽区, 王路).
    trusted: a trigger word said a name follows, so words jieba tags as names (高峰) are names."""
    if any(d in s for d in NAME_DOTS):
        return False
    if s[-1] in _PLACE_END or (len(s) >= 3 and s[-1] in _PLACE_END3):
        return True
    if s[:2] in _COMPOUND:
        return False
    if s[:2] in NOT_NAMES or s in NOT_NAMES:
        return True
    if ordinary_phrase(s) or (len(s) >= 3 and _PLACE_WORD_RX.fullmatch(s, len(s) - 2)) \
            or (len(s) >= 4 and _PLACE_WORD_RX.fullmatch(s, len(s) - 3)):
        return True  # 暂停服务; 张华大道, 王兴社区, 李村派出所: a place's or an organisation's name
    if _common_word(s, trusted) or (len(s) == 3 and _function_word(s[1:])):
        return True
    # 管部门, 时提出: a risky surname character followed by a common word; 来往内: one that opens one.
    if len(s) == 3 and s[0] in RISKY_SURNAMES and (_freq(s[1:]) >= 1000 or _common_word(s[:2])):
        return True
    # 高速路: the first two characters are a frequent word; 徐海燕 (徐海, a rare place) stays a name.
    return len(s) == 3 and _common_word(s[:2]) and _freq(s[:2]) >= 1000


def ordinary_phrase(s: str) -> bool:
    """Four characters that are two ordinary words (暂停服务, 有关部门, 工作人员): a phrase, not a name.
    Words jieba tags as names (拉姆, 哈斯) do not count: 央金拉姆 stays a name."""
    if len(s) != 4:
        return False
    return all(_ordinary_word(s[i:i + 2]) for i in (0, 2))


def _ordinary_word(two: str) -> bool:
    tag = _tags().get(two)
    return tag is not None and not tag.startswith("nr") and _freq(two) >= 50


def opens_next_word(text: str, end: int) -> bool:
    """The character before `end` and the one at it form a word more frequent than the word the latter would
    open on its own (林坤押|金: 押金; 俞淑华|表示: not 华表, 表示 is the word)."""
    if end + 1 > len(text) or text[end - 1] in GIVEN_CHARS:
        return False
    joined = _freq(text[end - 1:end + 1])
    return joined >= 50 and joined > _freq(text[end:end + 2])


def is_word(two: str) -> bool:
    """Two characters that jieba's dictionary knows as a word of some frequency (过程, 安全)."""
    return two in word_pairs()


@functools.lru_cache(maxsize=1)
def word_pairs() -> frozenset:
    """Every two-character word of frequency >= 50 (is_word as one set lookup: likely_names runs it often)."""
    return frozenset(w for w, n in _freq_table().items() if len(w) == 2 and (n or 0) >= 50)


def tagged_spans(text: str) -> list:
    """(start, end) of jieba's person-name tags, filtered like the rest (about 0.5 ms a sentence)."""
    _tags()  # initialises jieba quietly
    import jieba.posseg

    out, pos = [], 0
    for pair in jieba.posseg.dt.cut(text):
        word, n = pair.word, len(pair.word)
        if pair.flag == "nr" and 2 <= n <= 3 + (word[:2] in _COMPOUND) and word[0] in _SAFE_FIRST \
                and not place_follows(text, pos + n) and not name_invalid(word):
            out.append((pos, pos + n))
        pos += n
    return out


@functools.lru_cache(maxsize=65536)
def _common_word(w: str, trusted: bool = False) -> bool:
    """jieba's dictionary knows the word as something other than a rare person name."""
    tag = _tags().get(w)
    if tag is None:
        return False
    if not tag.startswith("nr"):
        return _freq(w) >= 30
    # jieba tags some frequent words as names (智慧, 师傅, 许可): a real name is rarely that frequent.
    return not trusted and _freq(w) >= 500


def _function_word(w: str) -> bool:
    """多次, 明天: a frequent adverb, numeral or time word cannot be a given name."""
    tag = _tags().get(w)
    return tag is not None and tag[0] in "mdpcurqft" and _freq(w) >= 2000


def sentence_word(two: str, tags: str = "") -> bool:
    """A frequent two-character word that is no name part (拉姆, 多吉 are tagged as names), optionally
    only of the given tag kinds (v: verbs, d: adverbs, p: prepositions ...)."""
    if not is_word(two):
        return False
    tag = _tags().get(two) or ""
    return not tag.startswith("nr") and (not tags or tag[:1] in tags)


@functools.lru_cache(maxsize=1)
def _tags() -> dict:
    import jieba
    import jieba.posseg

    jieba.setLogLevel(60)  # jieba logs its dictionary loading otherwise
    jieba.dt.check_initialized()
    return jieba.posseg.dt.word_tag_tab


def _freq(w: str) -> int:
    return _freq_table().get(w, 0) or 0


@functools.lru_cache(maxsize=1)
def _freq_table() -> dict:
    """jieba's word frequencies, looked up once (is_word runs several times per candidate name)."""
    import jieba

    _tags()
    return jieba.dt.FREQ


# Words that open an English person's name in English text (submitted by Emily Carter, Dear John Smith).
ENGLISH_CUES = (
    "by from with and to Dear Hi Hello contact Contact caller Caller resident Resident tenant Tenant owner Owner"
    " driver Driver patient Patient complainant Complainant named called signed witness Witness"
).split()
# Capitalised words that make a run a place, an organisation or a date, not a person (from New York,
# by City Council, to Los Angeles, on Monday).
ENGLISH_NOT_NAME = (
    "Mr Mrs Ms Miss Mx Dr Madam Sir Prof The A An City County Council Bureau Department Ministry Office Committee Commission Government Municipal"
    " Provincial District Province State National Federal Street Road Avenue Lane Square Park Bridge Station"
    " Airport Port Hospital Clinic School College University Institute Academy Center Centre Company Co Ltd"
    " Limited Inc Corp Corporation Group Bank Association Organization Organisation Foundation Fund Agency"
    " Authority Court Police Health World International China Chinese Beijing Shanghai Hong Kong New North"
    " South East West Central Upper Lower Great Saint St Mount Lake River Fort Los Las San Santa Monday Tuesday"
    " Wednesday Thursday Friday Saturday Sunday January February March April May June July August September"
    " October November December Team Service Services Hotline Centre Market Mall Hotel Restaurant Library Museum"
).split()
