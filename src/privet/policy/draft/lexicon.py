"""Phrases of published policies mapped onto pack vocabulary.

Policies name the same things in many ways ("numbers you call", "call detail records",
"CPNI"); a pack must use fideslang keys, privet's telecom extensions and its closed
vocabularies. Each table below is an ordered list of (pattern, key): every pattern that
matches a sentence contributes its key, and a more specific key makes a broader one redundant
(see `most_specific`). Keeping the tables as data makes a missed phrasing a one-line fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from privet.policy.taxonomy import is_within

Table = Sequence[tuple[re.Pattern[str], str]]


def _table(rows: Iterable[tuple[str, str]]) -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(pattern, re.I), key) for pattern, key in rows]


DATA_CATEGORIES: Table = _table(
    [
        (r"\b(?:customer proprietary network information|cpni)\b", "user.telecom.cpni"),
        (
            r"\bcall(?:ing)? (?:detail|records?|logs?|history)\b|\bnumbers? (?:you )?(?:call|dial)(?:ed)?\b|\bcalls? (?:you )?(?:make|made|receive|placed)\b|\b(?:time|date),? (?:and |or )?duration\b|\bdestination\b.*\bcalls?\b",
            "user.telecom.cpni.call_detail",
        ),
        (
            r"\bservices? (?:to which )?you (?:subscribe|purchase|buy)\b|\btechnical configuration\b|\b(?:type|class) of service\b|\brate plans?\b|\bfeatures (?:you|of the services? you) use\b",
            "user.telecom.cpni.service_configuration",
        ),
        (
            r"\bamount of (?:your )?use\b|\b(?:data|service|minutes of|voice) usage\b|\busage (?:information|data|records|patterns)\b|\bbandwidth (?:use|usage)\b",
            "user.telecom.cpni.usage",
        ),
        (
            r"\b(?:local|toll|telephone|phone|long[- ]distance) (?:billing|bills?)\b|\bbilling records\b|\bbill amounts?\b|\bcall charges\b",
            "user.telecom.cpni.billing",
        ),
        (
            r"\bcall location\b|\blocation of (?:the|your) (?:call|device|phone)\b|\bcell (?:site|tower)\b",
            "user.telecom.cpni.location",
        ),
        (
            r"\bcontents? of (?:your |users'? |the )?(?:private )?(?:communications?|messages|calls|emails?|transmissions)\b|\bcommunications content\b",
            "user.telecom.content",
        ),
        (r"\bfax(?:es)?\b(?! numbers?)|\bfax (?:images|pages|messages|content)\b", "user.telecom.content.fax"),
        (r"\bvoice ?mail\b", "user.telecom.content.voicemail"),
        (r"\bmailbox(?:es)?\b|\bstored e-?mail\b|\be-?mail (?:messages|content)\b", "user.telecom.content.email"),
        (r"\btext messages?\b|\bsms (?:messages|content)\b|\bmms\b", "user.telecom.content.sms"),
        (
            r"\bweb ?(?:pages|sites?) (?:you|customers) (?:host|publish)\b|\bhosted (?:content|sites?|files)\b",
            "user.telecom.content.hosted",
        ),
        (r"\baccount numbers?\b", "user.telecom.account_number"),
        (r"\b(?:assigned|dynamic|static) ip address(?:es)?\b|\bip address assignments?\b", "user.telecom.ip_assignment"),
        (
            r"\bnetwork (?:and|&) (?:device|equipment) performance\b|\b(?:equipment|device|network|router|modem) (?:performance|diagnostics?)\b|\bsignal strength\b",
            "user.telecom.network_performance",
        ),
        (
            r"\bdirectory (?:listings?|information|assistance)\b|\bwhite pages\b|\blisted (?:name|number)s?\b|\bnon-?published\b",
            "user.telecom.directory_listing",
        ),
        (
            r"\b(?:viewing|watching) (?:history|habits|records|information|data)\b|\bprograms? (?:you )?(?:watch|view)\b",
            "user.telecom.cable_viewing",
        ),
        (
            r"\bcredit (?:reports?|history|scores?|information|worthiness|check)\b|\bconsumer reporting\b",
            "user.financial.credit_report",
        ),
        (r"\bpayment history\b|\baccount payment\b|\bpayment (?:records|behavior)\b", "user.financial.payment_history"),
        (r"\bsecurity (?:questions?|answers?)\b", "user.authorization.security_answer"),
        (r"\busernames?\b|\buser ?names?\b|\bscreen names?\b|\blog-?in (?:names?|ids?)\b", "user.account.username"),
        (r"\bpasswords?\b|\bpins?\b|\bpasscodes?\b|\bcredentials\b", "user.authorization.credentials"),
        (r"\be-?mail address(?:es)?\b", "user.contact.email"),
        (r"\b(?:tele)?phone numbers?\b|\b(?:mobile|cell(?:ular)?|wireless|contact) numbers?\b", "user.contact.phone_number"),
        (r"\bfax numbers?\b", "user.contact.fax_number"),
        (r"\b(?:postal|mailing|billing|service|home|street|physical|residential) address(?:es)?\b", "user.contact.address"),
        (r"\b(?:zip|postal) codes?\b", "user.contact.address.postal_code"),
        (r"\bcontact (?:information|info|details|data)\b", "user.contact"),
        (r"\b(?:company|business|employer|organization)(?:'s)? names?\b|\bemployer\b", "user.contact.organization"),
        (r"\bjob titles?\b|\btitles? and roles?\b", "user.job_title"),
        (
            r"(?<!user )(?<!domain )(?<!screen )(?<!company )(?<!business )(?<!brand )\b(?:full |first |last |your |customer |legal )?names?\b(?! of (?:the|our))",
            "user.name",
        ),
        (r"\bdates? of birth\b|\bbirth ?dates?\b|\bbirthdays?\b", "user.demographic.date_of_birth"),
        (r"\bage\b|\bage ranges?\b", "user.demographic.age_range"),
        (r"\bgender\b|\bsex\b", "user.demographic.gender"),
        (r"\b(?:demographic|household) (?:information|data)\b|\bincome\b", "user.demographic"),
        (
            r"\bsocial security numbers?\b|\bssns?\b|\b(?:tax(?:payer)?|federal employer) (?:id|identification) numbers?\b",
            "user.government_id.national_identification_number",
        ),
        (r"\bdriver'?s?'? licen[cs]e\b", "user.government_id.drivers_license_number"),
        (r"\bpassports?\b", "user.government_id.passport_number"),
        (r"\b(?:credit|debit|payment) cards?\b|\bcard numbers?\b", "user.financial.credit_card"),
        (r"\bbank(?:ing)? (?:account|information|details)\b|\brouting numbers?\b", "user.financial.bank_account"),
        (r"\b(?:payment|billing|financial) (?:information|details|data)\b", "user.payment"),
        (r"\bip address(?:es)?\b|\binternet protocol\b", "user.device.ip_address"),
        (
            r"\bdevice (?:ids?|identifiers?)\b|\bmac address(?:es)?\b|\bimei\b|\bimsi\b|\badvertising (?:ids?|identifiers?)\b|\bserial numbers?\b|\bunique (?:device )?identifiers?\b",
            "user.device.device_id",
        ),
        (
            r"\bcookies?\b|\bpixel(?: tag)?s?\b|\bweb beacons?\b|\bclear gifs?\b|\btracking technolog(?:y|ies)\b|\blocal storage\b|\bflash cookies\b",
            "user.device.cookie",
        ),
        (
            r"\bbrowser types?\b|\boperating systems?\b|\bdevice (?:types?|information|data)\b|\bbrowser (?:information|settings)\b",
            "user.device",
        ),
        (
            r"\bbrowsing (?:history|activity|behaviou?r)\b|\bpages? (?:you )?(?:visit|view)(?:ed)?\b|\bweb ?sites? (?:you )?visit(?:ed)?\b|\bclickstream\b|\breferring (?:url|web ?site|page)s?\b|\bweb (?:logs?|server logs?)\b|\blog files?\b",
            "user.behavior.browsing_history",
        ),
        (r"\bsearch (?:queries|history|terms)\b", "user.behavior.search_history"),
        (
            r"\bpurchase (?:history|information)\b|\b(?:products|services) you (?:purchase|buy|order)\b|\btransaction (?:history|information|records)\b|\border (?:history|information)\b",
            "user.behavior.purchase_history",
        ),
        (r"\bprecise (?:geo)?location\b|\bgps\b|\bgeolocation\b", "user.location.precise"),
        (r"\blocation (?:information|data)\b|\byour location\b|\bgeographic (?:location|information)\b", "user.location"),
        (r"\bhealth\b|\bmedical\b", "user.health_and_medical"),
        (r"\bbiometric\b|\bvoice ?prints?\b|\bfingerprints?\b|\bface ?prints?\b", "user.biometric"),
        (r"\bsocial (?:media|network(?:ing)?) (?:profiles?|accounts?|information|data)\b", "user.social"),
        (r"\bchild(?:ren)?'?s?'? (?:personal )?(?:information|data)\b", "user.childrens"),
        (
            r"\b(?:privacy|communications?|marketing) preferences\b|\bopt-?out (?:choices|preferences|status)\b",
            "user.privacy_preferences",
        ),
        (
            r"\b(?:posts?|comments?|reviews?|feedback|content) (?:you|users) (?:post|submit|share|upload)\b|\bpublicly (?:posted|available) (?:content|information)\b|\bbulletin boards?\b|\bchat rooms?\b|\bforums?\b",
            "user.content.public",
        ),
        (
            r"\bsurvey (?:responses|answers|data|information)\b|\bcorrespondence\b|\brecordings? of (?:your )?calls\b|\bcalls? (?:may be )?(?:recorded|monitored)\b",
            "user.content.private",
        ),
        (
            r"\bpersonal(?:ly)? (?:identifiable |identifying )?(?:information|data)\b|\bpii\b|\bcustomer information\b|\binformation (?:about|from|regarding) (?:you|users|customers|our customers)\b|\byour (?:personal )?(?:information|data)\b",
            "user",
        ),
    ]
)

PURPOSES: Table = _table(
    [
        (
            r"\b(?:cpni|customer proprietary network information)\b.*\b(?:market|offer|promot|sell you)\w*|\b(?:market|offer|promot)\w*\b.*\b(?:cpni|customer proprietary network information)\b",
            "marketing.cpni",
        ),
        (r"\bcommunications[- ]related services\b", "marketing.cpni.communications_related"),
        (r"\bnon-?communications(?:[- ]related)? (?:services|products)\b", "marketing.cpni.non_communications"),
        (
            r"\b(?:services|category of service) (?:to which )?you (?:already )?(?:subscribe|purchase)\b",
            "essential.service.cpni_within_category",
        ),
        (
            r"\b(?:sell|sells|sold|sale|selling|rent|renting|rented|trade|trading|traded|lease)\b(?:[\s,\"“”]+[\w'’-]+){0,8}?[\s,\"“”]+"
            r"(?:information|data|lists?|pii|details|addresses|numbers)\b|\bsale of (?:your |personal |customer )?(?:information|data)\b",
            "third_party_sharing.sale",
        ),
        (
            r"\bcross[- ]context\b|\binterest[- ]based advertising\b|\btargeted advertising\b|\bbehaviou?ral advertising\b|\bad(?:vertising)? networks?\b",
            "marketing.advertising.third_party.targeted",
        ),
        (r"\badvertis\w*|\bads\b", "marketing.advertising"),
        (
            r"\b(?:promotional|marketing|commercial) e-?mails?\b|\be-?mail (?:marketing|offers|newsletters?|promotions)\b|\bnewsletters?\b",
            "marketing.communications.email",
        ),
        (
            r"\btelemarketing\b|\bmarketing calls\b|\bdo[- ]not[- ]call\b|\bcall you (?:about|with|to offer)\b",
            "marketing.communications.phone",
        ),
        (
            r"\b(?:marketing|promotional) (?:text|sms) messages?\b|\btext (?:you|messages?) (?:about )?(?:offers|promotions)\b",
            "marketing.communications.sms",
        ),
        (r"\b(?:direct|postal) mail\b|\bcatalogs?\b", "marketing.communications.mail"),
        (r"\bfax (?:advertisements?|ads|marketing)\b|\bjunk fax", "marketing.communications.fax"),
        (r"\b(?:own )?direct marketing purposes\b|\bshine the light\b|\b1798\.83\b", "marketing.direct_marketing_by_third_party"),
        (r"\bsweepstakes\b|\bcontests?\b|\bgiveaways?\b|\bpromotions\b", "marketing.promotions"),
        (r"\b(?:refer|tell)[- ]a[- ]friend\b|\breferral program\b|\breferred friends?\b", "marketing.referral"),
        (r"\bsurveys?\b|\bmarket research\b|\bquestionnaires?\b", "marketing.research"),
        (
            r"\b(?:inform you|information) (?:of|about) (?:\w+ ){0,3}(?:products|services|offers|offerings)\b|\brecommend\w* (?:\w+ ){0,3}(?:products|services)\b|"
            r"\bmarket(?:ing)?\b|\bspecial offers?\b|\bpromot(?:e|ional|ions?)\b|\boffers?\b(?: (?:of|about|for) (?:products|services))?",
            "marketing",
        ),
        (r"\bpersonali[sz]\w*|\bcustomi[sz]\w*|\btailor\w*|\bremember (?:your )?preferences\b", "personalize"),
        (
            r"\bde-?identified\b|\baggregate(?:d)? (?:and|or )?(?:de-?identified |anonymous )?(?:information|data|form|basis|statistics)\b|\banonymi[sz]ed\b",
            "analytics.deidentified",
        ),
        (
            r"\banalytics?\b|\banaly[sz]\w*|\bstatistic\w*|\bmeasure (?:the )?(?:effectiveness|performance|traffic)\b|\bunderstand how\b|\btrends\b",
            "analytics",
        ),
        (
            r"\bimprove (?:our |the )?(?:services?|products?|web ?sites?|site|offerings|network|experience|user experience)\b|\bdevelop (?:new )?(?:products|services)\b|\bproduct development\b",
            "functional.service.improve",
        ),
        (
            r"\bcredit (?:checks?|worthiness|approval|applications?)\b|\bcreditworthiness\b|\bconsumer reports?\b|\bcredit (?:bureaus?|reporting agenc(?:y|ies))\b",
            "essential.credit_check",
        ),
        (
            r"\bcollect(?:ing)? (?:amounts|debts|unpaid|past[- ]due|payment)\b|\bcollection agenc(?:y|ies)\b|\bcollections?\b(?= (?:of (?:debts|amounts)|purposes|activit))|\bpast[- ]due\b|\bdelinquen\w*",
            "essential.collections",
        ),
        (
            r"\bsubpoenas?\b|\bcourt orders?\b|\bwarrants?\b|\blegal process\b|\blaw enforcement\b|\blawful (?:requests?|orders?|process)\b|\bgovernment(?:al)? (?:requests?|agencies|authorities)\b",
            "essential.legal_obligation.legal_process",
        ),
        (
            r"\b(?:comply|compliance) with (?:applicable |the )?(?:law|laws|legal|regulat)\w*|\brequired by (?:law|regulation)\b|\blegal (?:obligations?|requirements?)\b|\bwhere (?:required|permitted) by law\b|\bas required\b",
            "essential.legal_obligation",
        ),
        (
            r"\b911\b|\bemergenc\w*|\bimminent (?:danger|harm|threat)\b|\brisk of (?:death|serious|physical)\b|\bpublic safety\b",
            "essential.emergency_response",
        ),
        (
            r"\bmergers?\b|\bacquisitions?\b|\bacquired\b|\bdivestiture\b|\bbankruptcy\b|\breorgani[sz]ation\b|\bsale of (?:all|substantially|some|part|our|the) (?:or )?(?:\w+ )?(?:business|assets|company)\b|\bbusiness transitions?\b|\bbusiness transfers?\b",
            "essential.business_transfer",
        ),
        (
            r"\bfraud\w*|\bunlawful\b|\billegal\b|\bunauthori[sz]ed use\b|\babus(?:e|ive)\b(?! (?:complaints?|desk))|\btheft\b",
            "essential.fraud_detection",
        ),
        (
            r"\bprotect (?:the )?(?:rights|property|safety)\b|\benforce (?:our )?(?:terms|agreements|policies|rights)\b|\brights,? property,? (?:or|and) safety\b",
            "essential.protect_rights",
        ),
        (r"\bcopyright\b|\bdmca\b|\binfring\w*|\bacceptable use\b|\babuse complaints?\b", "essential.abuse_handling"),
        (
            r"\bnetwork (?:management|operations|engineering|traffic|planning|capacity)\b|\bmanage (?:our |the )?network\b|\boperate (?:our |the )?network\b",
            "essential.network_management",
        ),
        (r"\bverify (?:your )?identity\b|\bauthenticat\w*", "essential.service.authentication"),
        (r"\bsecur(?:e|ity|ing)\b|\bprotect (?:our |the )?(?:network|systems|services)\b", "essential.service.security"),
        (r"\bbill(?:ing)?\b(?! address)|\binvoic\w*|\bcollect payments?\b", "essential.service.billing"),
        (
            r"\bprocess(?:ing)? (?:your )?(?:payments?|transactions?|orders?)\b|\bfulfil+\w* (?:\w+ ){0,2}orders?\b|\bcomplet\w* (?:\w+ ){0,2}(?:transactions?|purchases?|orders?)\b|\bpayment process\w*",
            "essential.service.payment_processing",
        ),
        (
            r"\binstall\w*|\bprovision\w*|\bactivat\w*|\bset up\b|\bmaintain\w* (?:and repair|the service)|\brepair\w*|\boutages?\b",
            "essential.service.provisioning",
        ),
        (
            r"\bprovide (?:you with )?(?:support|assistance)\b|\bsupport and assistance\b|\bcustomer (?:service|support|care)\b|\brespond to (?:your )?(?:inquiries|questions|requests|comments)\b|\btroubleshoot\w*|\btechnical support\b|\bsupport tickets?\b",
            "essential.service.operations.support",
        ),
        (
            r"\bservice (?:announcements?|notices?|notifications?|messages)\b|\bnotify you\b|\bsend you (?:notices|updates|information about your account)\b",
            "essential.service.notifications",
        ),
        (r"\bjob applica\w*|\bresum[eé]s?\b|\bemployment\b|\brecruit\w*", "employment.recruitment"),
        (
            r"\bprovid(?:e|ing) (?:you (?:with )?)?(?:our |the |its )?(?:services?|products?)\b|\bdeliver(?:ing)? (?:our |the )?(?:services?|products?)\b|\bperform (?:the )?services?\b|\brender(?:ing)? (?:the )?services?\b|\boperate (?:our |the )?(?:services?|business|web ?sites?)\b|\bon (?:our|its) behalf\b",
            "essential.service",
        ),
    ]
)

RECIPIENT_KINDS: Table = _table(
    [
        (
            r"\baffiliat\w*|\bsubsidiar\w*|\bfamily of companies\b|\bparent company\b|\bcorporate family\b|\brelated (?:companies|entities)\b|\bcommon (?:ownership|control)\b",
            "affiliate",
        ),
        (r"\bjoint ventures?\b", "joint_venture"),
        (r"\b(?:authori[sz]ed |sales )?agents\b|\bdealers?\b|\bauthori[sz]ed retailers?\b", "agent"),
        (r"\bcontractors?\b|\bsubcontractors?\b", "contractor"),
        (
            r"\bvendors?\b|\bservice providers?\b|\bsuppliers?\b|\bprocessors?\b|\bintermediar(?:y|ies)\b|\bcompanies (?:that|who) (?:help|assist|perform|work)\b|\b(?:on|in) our behalf\b|\boutside companies\b",
            "processor",
        ),
        (
            r"\b(?:other|telecommunications?|interconnecting|connecting|long[- ]distance|wireless) carriers?\b|\broaming partners?\b|\bother (?:telecommunications |communications )?providers\b",
            "carrier",
        ),
        (
            r"\badvertis(?:ers|ing (?:partners|networks|companies))\b|\bad networks?\b|\bsocial (?:media|network(?:ing)?) (?:platforms|sites|companies|networks)\b",
            "ad_network",
        ),
        (
            r"\banalytics (?:providers?|services?|companies|partners)\b|\bgoogle analytics\b|\bmeasurement (?:companies|partners)\b",
            "analytics_provider",
        ),
        (r"\bcredit (?:bureaus?|reporting agenc(?:y|ies))\b|\bconsumer reporting agenc(?:y|ies)\b", "credit_bureau"),
        (r"\bcollection agenc(?:y|ies)\b|\bdebt collectors?\b|\bcollections? (?:firms|companies)\b", "collection_agency"),
        (r"\b911\b|\bpsaps?\b|\bpublic safety answering\b|\bemergency (?:services|responders|personnel|dispatch)\b", "psap"),
        (
            r"\blaw enforcement\b|\bgovernment\w*|\bpolice\b|\bcourts?\b|\bregulators?\b|\bregulatory (?:agencies|authorities)\b|\bauthorities\b|\bpublic (?:officials|agencies)\b|\bofficials\b",
            "government",
        ),
        (
            r"\bbuyers?\b|\bnew owners?\b|\bacquir(?:er|ing (?:company|entity|party))\b|\bsuccessors?\b|\bpurchasers?\b|\bsurviving entity\b",
            "acquirer",
        ),
        (r"\bcopyright (?:owners?|holders?)\b|\brights ?holders?\b|\bcomplainants?\b", "complainant"),
        (
            r"\bother users\b|\byour friends\b|\bcalled part(?:y|ies)\b|\bpeople you (?:call|contact)\b|\bcaller id\b",
            "other_user",
        ),
        (
            r"\bpublicly (?:available|displayed|visible)\b|\bthe public\b|\bdirectory publishers?\b|\bpublished directories\b",
            "public",
        ),
        (
            r"\bthird[- ]part(?:y|ies)\b|\bunaffiliated\b|\bnon-?affiliated\b|\bpartners?\b|\bother (?:companies|businesses|organi[sz]ations)\b|\boutside (?:parties|organi[sz]ations)\b",
            "third_party",
        ),
    ]
)

RECIPIENT_NAMES: dict[str, tuple[str, str]] = {
    "affiliate": ("affiliates", "Affiliates and companies under common control"),
    "joint_venture": ("joint-ventures", "Joint-venture partners"),
    "agent": ("agents", "Authorized agents"),
    "contractor": ("contractors", "Contractors"),
    "processor": ("service-providers", "Service providers acting on our behalf"),
    "carrier": ("carriers", "Other carriers and network operators"),
    "ad_network": ("ad-networks", "Advertising networks and advertisers"),
    "analytics_provider": ("analytics-providers", "Analytics providers"),
    "credit_bureau": ("credit-bureaus", "Credit bureaus"),
    "collection_agency": ("collection-agencies", "Collection agencies"),
    "psap": ("psap", "911 and public-safety answering points"),
    "government": ("government", "Government, law enforcement and courts"),
    "acquirer": ("acquirers", "Buyer or successor of the business"),
    "complainant": ("complainants", "Copyright owners and other complainants"),
    "other_user": ("other-users", "Other users and called parties"),
    "public": ("public", "The public"),
    "third_party": ("third-parties", "Unaffiliated third parties"),
}

CHANNELS: Table = _table(
    [
        (r"\bunsubscribe\b", "email_unsubscribe_link"),
        (r"\bbrowsers?\b", "browser_settings"),
        (r"\bdevice settings\b|\b(?:mobile|phone) settings\b|\blimit ad tracking\b", "device_settings"),
        (
            r"\b(?:nai|daa|network advertising initiative|digital advertising alliance|aboutads|youradchoices|networkadvertising)\b|\bindustry (?:opt-?out|programs?|tools?)\b",
            "industry_opt_out",
        ),
        (r"\bglobal privacy control\b|\bgpc\b", "gpc"),
        (
            r"\bprivacy (?:center|dashboard|choices page|portal|preference center)\b|\bpreference center\b|\bcookie (?:consent|preference)s? (?:tool|center|manager)\b",
            "privacy_center",
        ),
        (r"\bcookie (?:banner|notice|pop-?up)\b", "cookie_banner"),
        (
            r"\b(?:customer|online|self-service) portal\b|\b(?:my |your |online )account\b|\baccount (?:settings|profile|page|portal)\b|\blog(?:ging)? ?in(?:to)?\b|\bsign(?:ing)? in\b",
            "account_portal",
        ),
        (r"\breply stop\b|\btext stop\b|\btexting stop\b", "sms_keyword"),
        (
            r"\bcall(?:ing)? (?:us|customer|our|the)\b|\b(?:toll[- ]free|telephone|phone)\b|\(\d{3}\)\s*\d{3}[-.\s]\d{4}|\b1?[-.\s]?8[0-9]{2}[-.\s]\d{3}[-.\s]\d{4}\b",
            "phone",
        ),
        (r"\be-?mail(?:ing)? us\b|\bby e-?mail\b|\b[\w.+-]+@[\w-]+\.[\w.]+\b|\bsend (?:an |us an )?e-?mail\b", "email"),
        (
            r"\bwrit(?:e|ing) to us\b|\bby (?:postal )?mail\b|\bmail (?:a|your) (?:request|letter)\b|\bletter\b|\bp\.? ?o\.? box\b",
            "mail",
        ),
        (r"\bin writing\b|\bwritten (?:request|notice|notification)\b", "written_request"),
        (
            r"\b(?:web|online|request|opt-?out) forms?\b|\bfill(?:ing)? out\b|\bsubmit (?:a|your) request (?:online|through)\b|\bclick(?:ing)? (?:here|the link)\b",
            "web_form",
        ),
        (r"\bin person\b|\bvisit (?:a|one of our|our) (?:stores?|offices?|locations?)\b", "in_person"),
    ]
)

RIGHTS: Table = _table(
    [
        (
            r"\bright to know\b|\b(?:categories|specific pieces) of personal information\b|\bask (?:us )?what (?:\w+ ){0,3}information\b|\bwhat (?:personal |customer )?information (?:we|is) (?:collect|collected|hold|have)\b",
            "know",
        ),
        (r"\bportab\w*|\bmachine[- ]readable\b|\btransmit (?:it|your data) to another\b", "portability"),
        (r"\bopt[- ]out of (?:the )?(?:sale|selling|sharing)\b|\bdo not sell\b|\bright to opt[- ]out\b", "opt_out_of_sale"),
        (r"\bshine the light\b|\b1798\.83\b", "shine_the_light"),
        (r"\bdiscriminat\w*", "non_discrimination"),
        (r"\bdelet\w*|\beras\w*|\bremove (?:your|their|the) (?:personal )?(?:information|data|account)\b", "delete"),
        (
            r"\bcorrect\w*|\bupdat\w* (?:or|and|your|their|the|any|personal|account|inaccurate)\b|\bamend\w*|\brectif\w*|\bedit (?:your|the)\b|\binaccura\w*|\bchang\w* (?:your|their) (?:personal |account |contact )?(?:information|details|data|profile)\b",
            "correct",
        ),
        (
            r"\baccess(?:,| or| and) (?:correct|update|amend|delete|review)\b|\b(?:request )?access (?:to )?(?:your|their|the) (?:personal )?(?:information|data|account)\b|\bright (?:of|to) access\b|\b(?:request|obtain|receive) a copy\b|\breview (?:your|their|the) (?:personal )?(?:information|data|account)\b|\bview (?:your|their) (?:personal )?(?:information|account|profile)\b",
            "access",
        ),
        (
            r"\bcomplain\w*|\bsupervisory authority\b|\battorney general\b|\bdata protection (?:authority|commissioner)\b",
            "complain",
        ),
    ]
)

JURISDICTIONS: Table = _table(
    [
        (r"\bcalifornia\b|\bccpa\b|\bcpra\b", "CA"),
        (r"\bnevada\b", "NV"),
        (r"\bmaine\b", "ME"),
        (r"\bvirginia\b", "VA"),
        (r"\bcolorado\b", "CO"),
        (r"\bconnecticut\b", "CT"),
        (r"\butah\b", "UT"),
        (r"\btexas\b", "TX"),
        (r"\boregon\b", "OR"),
    ]
)

REGIMES: Table = _table(
    [
        (r"\bcpni\b|\bcustomer proprietary network information\b", "cpni"),
        (r"\bfair credit reporting\b|\bfcra\b|\bcredit report", "fcra"),
        (r"\bcan-?spam\b|\bunsubscribe\b|\bpromotional e-?mails?\b", "can_spam"),
        (r"\btcpa\b|\bdo[- ]not[- ]call\b|\btelemarketing\b", "tcpa"),
        (r"\bccpa\b|\bcpra\b|\bcalifornia consumer privacy\b|\bdo not sell\b", "ccpa"),
        (r"\bshine the light\b|\b1798\.83\b", "shine_the_light"),
        (r"\bmaine\b", "maine"),
        (r"\bnevada\b", "nevada"),
    ]
)


def matches(table: Table, text: str) -> list[str]:
    """Keys of every row of `table` whose pattern occurs in `text`, in table order, once each."""
    return list(dict.fromkeys(key for pattern, key in table if pattern.search(text)))


def most_specific(keys: Iterable[str]) -> list[str]:
    """Drop a key when a more specific one below it is also present (user.contact < user.contact.email)."""
    unique = list(dict.fromkeys(keys))
    return [k for k in unique if not any(o != k and is_within(o, k) for o in unique)]
