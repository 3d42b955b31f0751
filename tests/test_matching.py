"""The rules on single sentences: every id found in a positive example, look-alikes left clean."""

from __future__ import annotations

import pytest

from helpers import agent_says, conv, ids
from phrasecheck.data import AGENT, CUSTOMER
from phrasecheck.text.normalize import normalize

FORBIDDEN = [
    ("F01", "那个，喂！你听得到吗"),
    ("F02", "这个我不知道。"),
    ("F03", "墙上贴着，没长眼睛呀！"),
    ("F03", "墙上都贴着呢，你没长眼睛啊"),
    ("F03", "墙上贴着,没长眼镜呀"),  # ASR homophone
    ("F04", "急什么，烦死人了"),
    ("F04", "急神么,烦死人了"),
    ("F05", "急什么，没看到我在忙着吗？"),
    ("F06", "哪个？他不在。"),
    ("F07", "要下班了，有事明天再来"),
    ("F08", "不舒服，你别来了"),
    ("F09", "快点，说完了没有"),
    ("F09", "快点快点，说完了没有啊"),
    ("F10", "就这么说，怎么样？"),
    ("F11", "有本事你去告！"),
    ("F11", "有本是你去告"),
    ("F02", "这个我不知道你问别人吧"),  # 不知道你… here sends the customer away: not the polite question
    ("F01", "为为为，听得到吗"),  # ASR writes 喂喂喂 with its homophones
    ("F12", "喊什么，等一下！"),
    ("F13", "讲了半天，你还没听懂？"),
    # said in other words: words.yaml's synonyms and inside words
    ("F13", "说了半天你还是没听明白？"),  # 说 for 讲, 听明白 for 听懂, 是 inside
    ("F05", "你没看见我这边正忙着吗"),  # 这边 inside
    ("F06", "哪个师傅啊？他又不在我们这儿。"),  # 又 inside
    ("F11", "有本事你现在就去投诉"),  # 现在 inside, 投诉 for 告
    ("F09", "你念快点，到底念完了没？"),  # 念 for 说, 没 for 没有
    ("F12", "你吼啥，等我一下"),  # 啥 for 什么
    ("F03", "门上贴着那么大一张纸，眼睛没长啊？"),
    ("F10", "俺就这么说了，你能把俺怎么样"),  # northern 俺 for 我
    # rude lines the polite banks' exceptions (samples/eval-reword/q, r) must leave alone
    ("F13", "你是狗吗听不懂人话"),  # not an animal that does not understand people
    ("F02", "老师也不知道，你自己问学校去"),  # a third party does not know, and the customer is sent off
    ("F13", "我们师傅讲了半天你还没听懂"),  # a colleague explained, not the customer's words repeated back
    ("F12", "吼么子吼，等一下"),  # 湘鄂 么子 for 什么
    ("F05", "急么子，冇看到我这里正在忙啊？"),  # 冇 for 没
    ("F13", "讲了半天，你咋个还没听懂"),  # 川渝 咋个 for 怎么
    ("F02", "不清楚就是不清楚，问我干嘛"),
    ("F07", "我们要关门了，你明儿赶早再过来。"),  # 过来: the customer comes, no service promised
    ("F07", "我这儿也快收工了，改签你明儿一早自己到窗口问去。"),
    ("F10", "就这么着了，你还想咋样？"),
    ("F02", "我哪知道你家表装哪儿了，自己找。"),  # rhetorical: never the polite question
    ("F08", "不舒服就别往这儿跑了"),
    ("F13", "说了这么半天，你怎么还是听不明白？"),  # 听不明白 for 听不懂, asked with 怎么
    ("F05", "我这边忙着呢，你没看见吗？"),  # the other way round
    ("F04", "急什么呀，又不是只有你一个人租车，真是烦死了"),  # 16 characters apart
    ("F05", "急什么，我这一堆工单忙着呢，你看不到吗？"),  # 急什么, 忙着 and not seeing it, words between
    ("F05", "急什么，我这边正一个一个忙着处理投诉呢，你没听到我在查吗？"),  # not hearing it, the same reproach
    ("F04", "两块钱而已，你急个什么劲，真是烦死人。"),  # 急个什么劲
    ("F12", "喊什么，你这么大声我也听得见，等一下，我打给站点。"),  # 10 characters apart
    ("F09", "还有什么？你到底说完没有？"),  # 说完没有 without 了, 到底 before it
    ("F07", "我们这边马上到点下班了，有事明天白天再打。"),  # the day's part named
    ("F07", "快下班了，有啥事明儿再来吧。"),  # 明儿, 啥
    ("F13", "我讲了老半天了，只能换货，你咋还是不懂呢？"),  # the question after the explanation
    ("F13", "讲了半天，这是厂家的问题，你怎么还转不过弯来？"),  # 转不过弯 for 听不懂
    ("F05", "急什么，我一上午都忙着处理单子，你当我闲着呢？"),  # 你当我闲着 for 没看到
    ("F10", "就这么定了，明天到，你还能怎么着？"),  # 怎么着 for 怎么样
    ("F12", "好什么好，等一下，我先查你的单子。"),  # the recognizer's 吼什么吼
    ("F03", "规定就贴在柜台上，你办的时候眼睛往哪看的？"),  # where the eyes were
    ("F05", "急什么，没看我这一上午都在忙着回电话吗？"),  # 没看 … 忙 after 急什么
    ("F05", "你急啥，你瞧不见我忙着吗？"),  # 瞧不见 for 看不见
    ("F11", "你要是有这个本事，就去消协告我们好了。"),  # where to complain named
    ("F13", "我说了半天，你还没听进去？"),  # 没听进去 for 没听懂
    ("F06", "哪个隋老师？不在，顾问不接电话的。"),  # the question, then only 'not here'
    ("F06", "漆？哪个漆？人都出去派件了，不在。"),  # words between
    ("F06", "你找哪个？不在。"),
    ("F06", "哪个马师傅？不在不在。"),  # 在不在 inside 不在不在 is no question
    ("F08", "你身体不舒服的话，那别来了呗，复查往后拖。"),  # a condition, no offer
    ("F08", "换不了人。不舒服就别寄了呗，等你脚好了自己送过来。"),
    ("F09", "一个一个问，你到底问完了没有？"),  # 问完 for 说完
    ("F10", "下礼拜三吧，就这么说，行不行你看着办。"),  # take it or leave it
    ("F03", "价格页上明明白白贴着呢，你这眼睛是摆设啊？"),
    ("F05", "你着什么急啊，我这不是忙着呢嘛，没看到啊？"),  # 着什么急 for 急什么
    ("F13", "讲了半天了，协议签了就算数，你这还没弄明白？"),
    # 下班 is the warehouse's (cleared), then the agent's own 你有啥事明儿再来: one cleared hit hides no other
    ("F07", "这都五点多了，质检那边马上下班，今天肯定弄不了，你有啥事明儿再来电话吧。"),
    ("F07", "我们马上就下班，你有什么事明天上班时间再打过来。"),
    ("F02", "行李现在在哪我也不知道，你要么下午再打电话问问。"),  # the customer is to ask: no offer
    # each half of a two-part phrase in its usual words (words written apart from the lexicon, eval-paraphrase2-4)
    ("F04", "有什么好急的 天天来问 头都被你问大了 烦死了"),
    ("F04", "您着什么急啊？一会儿一个电话，我都被您烦透了。"),
    ("F05", "急啥，没瞅见我这儿正忙着呢吗"),
    ("F05", "慢啥 手上一堆投诉在弄 你当我闲着啊"),
    ("F03", "那么大的字贴在门上，眼睛长着是干嘛用的？"),
    ("F07", "现在四点四十五了，马上就下班了，今天肯定办不了，您明天一早再来吧。"),
    ("F08", "受不了就甭来了，去别家办去"),  # not pleased, so don't come: the other reading of 不舒服
    ("F08", "不满意下次别来了"),
    ("F09", "快点儿，完了没？我这边要录报案信息。"),
    ("F10", "就赔五块 爱要不要 你能咋样"),
    ("F11", "有种你就告，我还怕你啊"),
    ("F12", "您喊那么大声干嘛，我又不聋。等会儿，我查一下。"),
    ("F13", "我跟你说了八百遍了，你还没懂啊？"),
    ("F02", "车几点发谁知道，我这边也不清楚，您就等着吧。"),
    # holdout19's wordings the lexicon missed, each in the form it was widened by
    ("F07", "退款的事有事明天再说吧，我这要下班了。"),  # the halves the other way round, with 有事
    ("F06", "他不在，你找哪个都没用。"),  # not here, and whoever you ask is no use
    ("F11", "投诉随你便，车管所还是消协，我都不怕。"),  # 随你告 the other way round
    ("F08", "用得不顺心，以后就不用再上我们这儿了。"),
    ("F04", "一遍一遍地催，催得我脑袋都大了。"),
    ("F05", "我这边三张单子同时在派，一个一个来，你就不能等会儿？"),
    ("F09", "长话短说行不行，我这后面还一排电话等着。"),
    ("F10", "价格就是这个价，爱送不送，随你。"),  # 爱×不× without 你, after a settled half
    ("F03", "小程序首页第一瓶就写着监送价格，你试探不见还是不看。"),  # the recognizer's 试探 for 是看
    # holdout20's wordings the lexicon missed, each in the form it was widened by
    ("F13", "同一句话我要给你重复几遍？登记的是尾号三三零一。"),
    ("F13", "还要我说几遍？周二下午四点。"),  # 说 for 讲 from the synonyms
    ("F13", "从一句话我要给你重复即便,登记的是为号三三零一。"),  # the recognizer's 即便 for 几遍
    ("F11", "投诉电话在合同最后一页，你打就是了，我工号你也记上，我无所谓。"),
    ("F11", "赔不了，有能卖你就提告，我在这儿等着。"),  # the recognizer's 提告 for 去告
    ("F01", "人呢？吱个声啊！要不要改到下午？"),
    ("F01", "人呢？说话啊！"),
    ("F01", "微微微,听得见吧,后面的数字。"),  # the recognizer's 微微微 for 喂喂喂
    ("F03", "入口那么大一块牌子写着宠物只能进东侧宠物区，你进门的时候是闭着眼走的？"),
    ("F02", "打蜡是谁点的，这我上哪儿打听去，单子上写着有打蜡。"),
    ("F04", "一个劲儿地催，我这脑袋都被你吵大了。"),
    ("F06", "他不在，你找哪个都一样，事情跟我说。"),
    ("F06", "谁啊？那个老师这礼拜没排课，人压根儿没来上班。"),
    ("F05", "我手上还有五六个单子压着呢，轮不到你催。"),
    ("F09", "你拣要紧的说，别绕，我这后面一串电话等着呢。"),
    ("F09", "你解药紧的说,别让我这后面一串电话等着吗"),  # the recognizer's 解药紧 for 拣要紧
    ("F10", "要返工另收上门费五十，你爱修不修。"),  # 爱×不× on its own, any verb
    ("F10", "就这个价，你爱买不买。"),
    ("F10", "就收这么多，爱换不换，你看着办。"),  # a bare 爱×不×, then the challenge
    ("F10", "课时按缺一补一，就这么定了，怎么样？"),
    ("F08", "受不了山里这条件，下回就换个地方玩，没人拦着你。"),
    # holdout21's
    ("F12", "喊什么，请稍等，我在查。"),  # the polite wait after the shouting thrown back
    ("F01", "嘿！嘿！那头还有人没有？"),  # 嘿 called twice for 喂
]


@pytest.mark.parametrize("rule_id,text", FORBIDDEN)
def test_forbidden_phrase_found(checker, rule_id, text):
    result = checker.check(agent_says(text))
    assert ids(result, "forbidden") == [rule_id]
    finding = next(f for f in result.findings if f.id == rule_id)
    turn = result.conversation.turns[finding.turn]
    assert turn.role == AGENT
    assert finding.text == turn.text[finding.start_char : finding.end_char]  # evidence quotes the original
    assert finding.suggestion


BENIGN = [
    "我这就让保洁快点过去清理",
    "如果不是本人就别来了，来了也办不了，请带上委托书",  # 不是 sounds as 不适 (F08's displeased): not 不舒服就别来了
    "这个我查不到，你自己去问快递吧",  # 不到 sounds as the dialect 不道 (F02's dunno): no 不知道
    "哪位？您那边在不在？听得到吗",  # asks whether the customer is there: not 他不在
    "哪个村？再不再我们送气范围里我查一下",  # the recognizer's 再不再 for 在不在
    "哪位师傅？鄞师傅这周在总店培训，暂时不在，我帮您记下来",  # the polite 'not in for now'
    "我们马上下班了，不过您的事我已经记下了，明天一早处理",
    "不知道咋在手机上买也木事，您来窗口，我给您出票。",  # not knowing how is no obstacle (木事: 没事)
    "您要是身上不得劲，就别来所里了，养老金我们让投递员送到家。",  # care, with the money brought to the door
    "您觉得这个方案怎么样？",
    "您身体不舒服的话可以预约上门服务",
    "您明天再来取也可以，我们八点上班",
    "请您稍等一下，我查一下",
    "等一下师傅就到",
    "不知道您什么时候方便？",
    "不知道能否麻烦您提供一下房号",
    "如果您不知道订单号，可以报手机号",
    "不好意思，王经理他不在，我帮您转告",
    "他不在座位上，我请他回电给您",
    "小区里不能喂养流浪猫",
    "特价课不在哪个范围里，不在那个范围里",  # not within a range (the recognizer's 哪个 for 那个), not F06
    "照片找出来，我看一眼车停在哪儿了",  # a glance (看一眼), not the eyes
    "我翻翻后面几个周末的营喂",  # 营位 as the recognizer writes it: 喂 glued to the word before it
    "已经帮您预留摸好了，稍后短信发给您",  # 摸好了 sounds as 莫嚎了 (别嚎了), an everyday 好了
    "为您服务是我们应该做的",
    "您着急什么时候能修好，我理解",
    "如果您还没听懂，我再讲一遍",
    "我们下午去您家看看墙上的裂缝",
    "好的，我马上为为您查询一下",  # a stutter of 为您, not 喂喂
    "您一看不就知道了",  # no cheap inside word right after a negator: not 不知道
    "刚才您喊了什么，我没听清",  # 了 is no inside word: asks what was said
    "我们会联系物业让楼上别吵了",  # 别吵了 is a noise complaint handled, not F12
    "订单完成了一直卡在待收货，烦死了",  # 烦死了 alone: a sigh, not said at the customer
    "我这边正忙着给您查，您看不到的话我发短信给您",  # busy for the customer, without 急什么
    "哪个王师傅？他现在不在，我帮您转告",
    "他讲了半天您还没弄明白，是我们没解释清楚",  # 弄明白 is no 听懂 here: the agent owns the failure
    "鬼嘛，早知道就不买了",  # two inside words in 3 characters are too many: not 鬼知道
    "成年犬一般一天喂两次",  # feeding, counted
    "您刚入住，不知道很正常",
    "他讲了半天您还没弄明白，是我们没解释清楚",  # the agent takes the blame
    "如果您自己不会看，我一步一步教您",
    "您说完了吗？没有的话请继续。",  # a question, then another sentence
    "药可以拌在湿粮里喂，或者用喂药器。",  # feeding a pet: the verb inside a clause
    "术前八小时不要给它喂东西，喂水可以。",
    "质检那边马上下班了，明天上午再联系您。",  # someone else's hours, the agent's promise
    "库房那边快下班了，有事明天再来取也可以。",  # an option offered
    "我已经让楼上邻居别喊了",
    "您看了半天还不懂的话，我发个视频给您",
    "不好意思，刚才半天没听清楚您说的",  # the agent did not catch the customer
    "我这边忙着呢，您稍等，没看见您的订单",  # not 你没看见 said at the customer
    "您找哪个师傅？我看看他在不在。",  # asks whether he is in
    "哪个小区？不在我们的服务范围。",  # a place, not a person
    "哪个快递？不在我们这儿，是别家的。",  # a thing, not a person
    "您身体不舒服就别跑了，我们派师傅上门。",  # care and an offer
    "老人家身体不舒服就别来了，这个业务能委托办理，我把模板发您。",  # care and another way
    "不知道订单号也能查，报一下手机号后四位就行。",  # not knowing it is no obstacle
    "不知道孩子现在几年级了 我按年级给您推荐两个班",  # asks about the customer's case, then helps
    "这样您就可以每天知道自己的流量了。",  # 每天知道 holds no 天知道
    "我们会提醒楼上别吵吵了。",
    "请问您找哪位管家？我们七号楼有两位。姜管家今天轮休，他暂时不在。",
    "不会一口一口地喂，我们鼓励孩子自己吃。",  # feeding
    "忙着给您查呢，您看不到的话我发短信给您。",
    # polite look-alikes of holdout19's wordings
    "有事明天再说也可以，我们五点下班，您的事我先记下了。",  # an option offered
    "他不在，您找哪个同事都可以帮您办。",
    "那个章不在我们这，找谁都白搭，得去区里盖。",  # a thing not here, not a person
    "您要投诉的话请便，电话是12345，我们会配合调查。",
    "用得不顺心可以免费换，以后维修也不用再上我们这儿了，师傅上门。",  # another way
    "您一遍一遍地催也是着急，我理解，马上帮您查。",
    "我们正忙着，您能不能等一会儿，我马上回来。",  # a request, not 你就不能等会儿
    "咱们长话短说好不好，我先把费用跟您讲一下。",  # the agent's own talk cut short
    "就是这个价，爱心价不另收费。",  # 爱×不× is one verb said twice
    # polite look-alikes of holdout20's wordings
    "您要我重复几遍都行，我再给您说一遍：周二下午四点。",
    "我要给您重复一遍地址吗？",  # 一遍, the offer, is not 几遍
    "同一句话在系统里要录三遍，您跟着我念就行。",
    "投诉电话在合同最后一页，您打就是了，有专人跟进。",  # no scorn after it
    "我的工号是一二三四，您记一下，有问题随时找我。",
    "对方要是提告，我们也不怕，合同写得很清楚。",  # someone else's suit
    "您提高一下音量，我在这儿等着。",  # 提高 sounds as 提告
    "这话说即便是会员也要预约，我帮您约上。",  # 即便 sounds as 几遍
    "师傅人呢？我帮您催一下，让他给您回个电话。",
    "您说师傅人呢说话不算数是吧，我马上帮您联系。",
    "声音微微有点小，您听得到吗？",
    "出门右拐一直走，闭着眼走都能找到。",
    "这个上哪儿打听去最快？您可以问问门口的保安。",
    "您家孩子一个劲儿地催，您也头疼吧，我帮您加急。",  # someone else hurries
    "他不在，您找哪个同事都一样，都能给您办。",
    "谁呀？您说的巽老师？他今天没来，我帮您联系他。",
    "我手上还有几个单子压着，您稍等两分钟，马上轮到您。",
    # polite look-alikes of holdout21's
    "您刚才喊什么？请稍等，信号不好。",
    "嘿嘿，还在吗，我给您查好了。",  # a laugh, then a question
    "你去告诉师傅一声，请他稍等。",  # 告诉, to tell
    "如果您对结果不满意，建议您去告知消协。",  # 你去告 alone is not the dare: 您 is 你 here, and 您去告知 is advice
    "您拣要紧的说就行，我一条条记下来。",
    "有什么要紧的说一声，我记下来，后面一串电话等着我回，我先记您的。",  # an invitation to tell
    "请您抓紧时间填表，后面还有一排人等着，谢谢配合。",  # a form hurried, not the customer's talk
    "有什么要求您直说，别绕弯子，我们都能商量。",
    "你爱人不在家的话，师傅可以改天上门。",
    "您爱吃辣不吃辣？我们可以少放。",  # a verb and its object: a question of taste
    "这个套餐您爱用不用都行，不用也不扣费。",
    "亲爱的，用不了的话您截个图发给我。",  # 爱×不× across a pause
    "亲爱的，用不了的话您看着办吧，我再帮您查查。",
    "那就这么定了，您看怎么样？",
    "时间就这么定了，怎么样安排师傅我再通知您。",
    "受不了蚊子的话，下回可以换个地方扎营，湖边蚊子少。",
    "您要是觉得不满意，想换别家也没人拦着您，不过我先帮您看看能不能解决。",
    "小程序首页写着价格，您是看不见还是页面没刷新？我发您截图。",
]


def test_a_later_first_half_is_tried_where_the_first_is_too_far(checker):
    """哪个 said twice: the first (哪个岐经理) is too far from 不在, the second (哪个都不在) is the phrase.
    The matcher had tried the form's first part at its first place only."""
    text = "岐经理？哪个岐经理，总店的还是分店的？反正今天两个都去总部开会了，哪个都不在。"
    found = [f for f in checker.check(agent_says(text)).findings if f.id == "F06"]
    assert [f.text for f in found] == ["哪个都不在"]
    assert ids(checker.check(agent_says("哪个岐经理？总店的还是分店的？反正今天两个都去总部开会了，店里很忙。")), "forbidden") == []


def test_quoted_words_are_for_review_not_counted(checker):
    """The agent reporting what someone said (in quotation marks) is listed for review, never counted."""
    result = checker.check(agent_says('您说店员跟您讲"有本事你去告"，这是完全错误的，我已经上报门店店长处理。'))
    assert [(f.id, f.severity) for f in result.findings if f.kind == "forbidden"] == [("F11", "review")]
    assert "reported speech" in result.findings[0].message
    said = checker.check(agent_says("有本事你去告，我们不怕。"))
    assert [(f.id, f.severity) for f in said.findings if f.kind == "forbidden"] == [("F11", "error")]


@pytest.mark.parametrize("text", BENIGN)
def test_benign_lookalikes_stay_clean(checker, text):
    result = checker.check(agent_says(text))
    assert ids(result) == [], [(f.id, f.text) for f in result.findings]


def test_customer_words_never_count_against_agent(checker):
    result = checker.check(
        conv(
            (AGENT, "您好，阳光物业客服中心，我姓王，请问有什么可以帮助您？"),
            (CUSTOMER, "喂！急什么，烦死人了，有本事你去告，我不知道"),
            (AGENT, "请您不要着急，我马上为您处理。"),
        )
    )
    assert ids(result) == []


COURTESY = [
    ("C01", "你好"),
    ("C01", "您好"),
    ("C03", "谢谢"),
    ("C04", "对不起"),
    ("C05", "不客气"),
    ("C06", "再见"),
    ("C07", "请稍等"),
    ("C07", "请少等"),  # ASR homophone
    ("C08", "是的，先生"),
    ("C08", "是的，小姐"),
    ("C09", "请问你找谁？"),
    ("C10", "请问有什么可以帮助你吗？"),
    ("C11", "请你不要着急！"),
    ("C12", "请你与工程部门李先生联系。"),
    ("C13", "请留下您的电话号码和姓名，好吗？"),
    ("C14", "我们会为您提供帮助！"),
    ("C15", "请您填好《投诉单》！"),
    ("C16", "谢谢您的批评指正！"),
    ("C17", "这是我们应该做的！"),
    ("C18", "感谢您的来电！"),
    ("C18", "感谢您的来店"),  # ASR homophone
    # how the base model writes them on telephone audio (spent held-out calls)
    ("C04", "最不起，给您带来不便了"),
    ("C05", "我客气，再见"),
    ("C06", "好的，再见识。"),
    ("C07", "好的，请您收等，我查一下"),
    ("C12", "请您以保安部的黄主任联系"),
    ("C15", "请您先好投诉单"),
    ("C18", "不客气，展现您的来电"),
    ("C19", "最不起，打药了，我再核对一下地址"),
    ("C19", "对不起，打扰了！"),
    ("C20", "对于您反映的问题我们会马上处理，并尽快给您回复，好吗？"),
]


@pytest.mark.parametrize("rule_id,text", COURTESY)
def test_courtesy_phrase_found(checker, rule_id, text):
    result = checker.check(conv((AGENT, text)))
    assert rule_id in result.courtesy_used
    evidence = next(c for c in result.courtesy if c.id == rule_id)
    assert evidence.text and evidence.text in text


def test_courtesy_inside_longer_phrase(checker):
    result = checker.check(conv((AGENT, "对不起，打扰了")))
    assert {"C04", "C19"} <= set(result.courtesy_used)


def test_c02_is_the_time_of_day_script(checker):
    result = checker.check(conv((AGENT, "上午好，阳光物业客服中心，我姓王，请问有什么可以帮助您？")))
    assert "C02" in result.courtesy_used and "C10" in result.courtesy_used
    assert "C02" not in checker.check(conv((AGENT, "您好，阳光物业客服中心，我姓王，请问有什么可以帮助您？"))).courtesy_used


def test_courtesy_not_credited_for_customer_speech(checker):
    result = checker.check(conv((AGENT, "嗯"), (CUSTOMER, "谢谢，再见")))
    assert result.courtesy_used == []


def test_short_phrase_needs_word_boundary(checker):
    assert "C06" not in checker.check(conv((AGENT, "等我们再见面的时候再说"))).courtesy_used


@pytest.mark.parametrize("company", ["好车二手车", "好邻居家政", "好再来"])
def test_a_pause_ends_a_word(checker, company):
    # bank t: a company named 好… after 您好， made the key 你好好…, cut 你 / 好好 / … as one text, and C01 went
    # unseen in every greeting of the agent; a written pause ends a word
    result = checker.check(conv((AGENT, f"您好，{company}客服中心，我姓王，请问有什么可以帮您？")))
    assert {"C01", "C10"} <= set(result.courtesy_used) and result.greeting.ok


@pytest.mark.parametrize(("rule_id", "text"), [("C04", "这是最不起眼的那款"), ("C06", "带您再见识一下新款"), ("C07", "我们接收等额的退款")])
def test_the_recognizers_spellings_keep_their_own_meanings(checker, rule_id, text):
    assert rule_id not in checker.check(conv((AGENT, text))).courtesy_used


def test_forbidden_split_across_turns(checker):
    result = checker.check(
        conv(
            (AGENT, "您好，阳光物业客服中心，我姓王，请问有什么可以帮助您？"),
            (CUSTOMER, "我找王经理"),
            (AGENT, "哪个？"),
            (CUSTOMER, "王经理"),
            (AGENT, "他不在。"),
        )
    )
    f06 = [f for f in result.findings if f.id == "F06"]
    assert len(f06) == 1
    assert f06[0].turn == 2 and f06[0].end_turn == 4


@pytest.mark.parametrize(
    "first,second,expected",
    [
        ("谁呀？", "出船了，不在。", ["F06"]),  # a whole short turn on one side
        ("哪个？", "他不在，今天请假了，课改到周五。", ["F06"]),  # the 请 of 请假 is no polite word (holdout20)
        ("哪个？", "他不在，今天请家人，课改到周五。", ["F06"]),  # nor the recognizer's 请家人 for it
        ("请问您找哪位？", "他今天请假了，不在，您请留言。", []),
        ("有本事", "你去告", ["F11"]),
        ("请问有什么可以帮助您？", "眼下没有现货，您看要不要等一等", []),  # 您 + 眼下 is no 你眼瞎
        ("好的，我帮您查一下，请您稍等", "眼下系统里还没有您的单子", []),
    ],
)
def test_a_phrase_said_across_two_turns_needs_a_word_on_each_side(checker, first, second, expected):
    assert ids(checker.check(agent_says(first, second)), "forbidden") == expected


def test_traditional_characters(checker):
    result = checker.check(agent_says("急什麼，煩死人了！"))
    assert ids(result, "forbidden") == ["F04"]
    assert result.findings[-1].text == "急什麼，煩死人了"


def test_evidence_is_the_matched_words_when_the_phrase_ends_differently(checker):
    # 有本事你就去告 said as 有本事你就去找领导: the evidence is what matched, not a single character
    result = checker.check(agent_says("有本事你就去找领导，我们的保安没问题。"))
    (finding,) = [f for f in result.findings if f.kind == "forbidden"]
    assert finding.id == "F11" and finding.text == "有本事你就去"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("急么子", "急什么"),
        ("冇看到", "没看到"),
        ("你想么样就么样", "你想怎样就怎样"),
        ("怎么样", "怎么样"),
        ("感冒得很", "感冒得很"),
        ("冒得法子", "没得法子"),
    ],
)
def test_regional_function_words_match_as_the_standard_word(text, key):
    # the same length, so the key's positions stay the text's; 怎么样 and 感冒 are left as they are
    nt = normalize(text)
    assert nt.key == key and nt.norm == text


def test_the_customers_words_said_back_after_nin_shuo_are_for_review(checker):
    """您说… then the rule's words: the agent confirming what the customer said is listed for review,
    never counted; 跟您说了 (the agent's own telling) and 您说哪位呀 (its own question) are no such thing."""
    back = checker.check(agent_says("您说他们讲了半天您还是没听懂，那我再说一遍。"))
    assert [(f.id, f.severity) for f in back.findings if f.kind == "forbidden"] == [("F13", "review")]
    assert "said back" in back.findings[0].message
    own_words = (
        ("跟您说了多少遍了，先备案再结算，怎么就是听不明白呢", "F13"),
        ("您说哪位呀？人不在，甭等了您呐", "F06"),
        ("您说的是哪一位我也对不上号，反正这会儿人没在这儿", "F06"),
    )
    for own, rule in own_words:
        assert [(f.id, f.severity) for f in checker.check(agent_says(own)).findings if f.kind == "forbidden"] == [(rule, "error")]


def test_a_question_ending_in_bu_then_a_pause_is_no_bu_zhidao(checker):
    """您看行不，知道时间后… : the 不 ends a question (行不？), and 知道 opens the next sentence; a space
    between Chinese characters is such a pause too (chat agents write sentences apart so)."""
    for text in ("您看行不，知道时间后我们提前一天短信通知", "您要办不 知道手机号就能开通"):
        assert ids(checker.check(agent_says(text)), "forbidden") == [], text
    assert ids(checker.check(agent_says("不知道，你去问别人")), "forbidden") == ["F02"]
    assert ids(checker.check(agent_says("喂？喂？听得到吗？")), "forbidden") == ["F01"]  # other pauses inside a phrase stay


def test_a_space_between_chinese_characters_is_a_pause():
    from phrasecheck.text.normalize import normalize

    nt = normalize("您看行不 知道时间后 OK 的 好")
    assert nt.with_breaks[0] == "您看行不，知道时间后ok的，好"  # not beside a Latin word


def test_a_pause_after_a_name_slot_keeps_the_rules_gap():
    # 是大×还是小×，人不在 (a word of F06's that ends in the surname slot): the pause after the slot gave the next part
    # only the slot's 1-3 characters, so 是大枞还是小枞？俩人今天都不在 never reached its second half (tune18)
    from phrasecheck.config.lexicon import SHORT_SLOT, parse_form

    form = parse_form("是大×还是小×,人不在", 8)
    assert [p.key for p in form.parts] == ["是大", "还是小", "人不在"]
    assert form.parts[1].gap == SHORT_SLOT and form.parts[2].gap == (SHORT_SLOT[0], SHORT_SLOT[1] + 8)
    assert parse_form("急什么,,烦死了", 8).parts[1].gap == (0, 8)  # a pause alone: the rule's gap, once
