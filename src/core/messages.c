/* messages.c - the error message catalog: one row per message, one column per language.
 * Templates use {field} and {arg}; rendering never overflows its buffer. */
#include "messages.h"
#include <string.h>
#include <strings.h>

static const char *const catalog[PD_MSG_COUNT][PD_LOCALE_COUNT] = {
	[PD_MSG_REQUIRED] = {"{field} is required.", "{field} 为必填项。", "{field} ist erforderlich."},
	[PD_MSG_TOO_LONG] = {"{field} must be at most {arg} characters long.",
			     "{field} 的长度不能超过 {arg} 个字符。",
			     "{field} darf höchstens {arg} Zeichen lang sein."},
	[PD_MSG_TOO_SHORT] = {"{field} must be at least {arg} characters long.",
			      "{field} 的长度至少为 {arg} 个字符。",
			      "{field} muss mindestens {arg} Zeichen lang sein."},
	[PD_MSG_INVALID] = {"{field} is not valid.", "{field} 无效。", "{field} ist ungültig."},
	[PD_MSG_BAD_TYPE] = {"{field} must be {arg}.", "{field} 必须是 {arg}。", "{field} muss {arg} sein."},
	[PD_MSG_BAD_ENUM] = {"{field} must be one of: {arg}.", "{field} 必须是以下值之一：{arg}。",
			     "{field} muss einer dieser Werte sein: {arg}."},
	[PD_MSG_BAD_EMAIL] = {"{field} is not a valid e-mail address.", "{field} 不是有效的电子邮件地址。",
			      "{field} ist keine gültige E-Mail-Adresse."},
	[PD_MSG_BAD_COUNTRY] = {"{field} is not a supported ISO 3166-1 alpha-2 country code.",
				"{field} 不是受支持的 ISO 3166-1 二位字母国家/地区代码。",
				"{field} ist kein unterstützter Ländercode nach ISO 3166-1 alpha-2."},
	[PD_MSG_BAD_STATE] = {"{field} is not a state or province of {arg}.",
			      "{field} 不是 {arg} 的有效省份或州。",
			      "{field} ist kein Bundesland bzw. keine Provinz von {arg}."},
	[PD_MSG_BAD_POSTAL] = {"{field} does not match the postal code format of {arg}.",
			       "{field} 不符合 {arg} 的邮政编码格式。",
			       "{field} entspricht nicht dem Postleitzahlformat von {arg}."},
	[PD_MSG_BAD_PHONE] = {"{field} is not a valid phone number for {arg}.",
			      "{field} 不是 {arg} 的有效电话号码。",
			      "{field} ist keine gültige Telefonnummer für {arg}."},
	[PD_MSG_BAD_CULTURE] = {"{field} is not a supported culture for {arg}.",
				"{field} 不是 {arg} 支持的区域设置。",
				"{field} ist keine unterstützte Kultur für {arg}."},
	[PD_MSG_BAD_LANGUAGE] = {"{field} is not a supported language for {arg}.",
				 "{field} 不是 {arg} 支持的语言。",
				 "{field} ist keine unterstützte Sprache für {arg}."},
	[PD_MSG_REGNUM_REQUIRED] = {"{field}: a company registration number is required for customers in {arg}.",
				    "{field}：{arg} 的客户必须提供公司注册号。",
				    "{field}: Für Kunden in {arg} ist eine Handelsregisternummer erforderlich."},
	[PD_MSG_PHONE_REQUIRED] = {"{field}: a phone number is required for customers in {arg}.",
				   "{field}：{arg} 的客户必须提供电话号码。",
				   "{field}: Für Kunden in {arg} ist eine Telefonnummer erforderlich."},
	[PD_MSG_REGNUM_REFUSED] = {"{field}: a company registration number is not accepted for customers in {arg}.",
				   "{field}：{arg} 的客户不接受公司注册号。",
				   "{field}: Für Kunden in {arg} wird keine Handelsregisternummer angenommen."},
	[PD_MSG_BAD_DOMAIN] = {"{field} must be <prefix>.{arg}, the prefix 1-27 letters or digits.",
			       "{field} 必须为 <前缀>.{arg}，前缀由 1-27 个字母或数字组成。",
			       "{field} muss <Präfix>.{arg} lauten, das Präfix 1-27 Buchstaben oder Ziffern."},
	[PD_MSG_DOMAIN_TAKEN] = {"{field}: the domain {arg} is already taken.",
				 "{field}：域名 {arg} 已被占用。",
				 "{field}: Die Domäne {arg} ist bereits vergeben."},
	[PD_MSG_BAD_UUID] = {"{field} is not a valid id (a UUID).", "{field} 不是有效的 ID（UUID）。",
			     "{field} ist keine gültige ID (UUID)."},
	[PD_MSG_BAD_SIZE] = {"{field} must be a whole number from 0 to {arg}.",
			     "{field} 必须是 0 到 {arg} 之间的整数。",
			     "{field} muss eine ganze Zahl von 0 bis {arg} sein."},
	[PD_MSG_BAD_TOKEN] = {"{field}: the continuation token is not valid for this query.",
			      "{field}：继续标记对此查询无效。",
			      "{field}: Das Fortsetzungstoken ist für diese Abfrage ungültig."},
	[PD_MSG_BAD_FILTER] = {"{field} is not a valid filter; expected {arg}.", "{field} 不是有效的筛选条件；应为 {arg}。",
			       "{field} ist kein gültiger Filter; erwartet: {arg}."},
	[PD_MSG_BAD_JSON] = {"The request body is not valid JSON: {arg}.", "请求正文不是有效的 JSON：{arg}。",
			     "Der Anfragetext ist kein gültiges JSON: {arg}."},
	[PD_MSG_BAD_UTF8] = {"{field} is not valid UTF-8.", "{field} 不是有效的 UTF-8。",
			     "{field} ist kein gültiges UTF-8."},
	[PD_MSG_NOT_FOUND] = {"{arg} was not found.", "未找到 {arg}。", "{arg} wurde nicht gefunden."},
	[PD_MSG_STALE_ETAG] = {"The resource was changed by someone else since you read it; read it again (etag mismatch).",
			       "该资源在你读取后已被他人修改，请重新读取（ETag 不匹配）。",
			       "Die Ressource wurde seit dem Lesen geändert; bitte erneut lesen (ETag stimmt nicht überein)."},
	[PD_MSG_ETAG_REQUIRED] = {"An etag is required: send If-Match or attributes.etag.",
				  "需要 ETag：请发送 If-Match 或 attributes.etag。",
				  "Ein ETag ist erforderlich: If-Match oder attributes.etag senden."},
	[PD_MSG_UNAUTHORIZED] = {"A valid bearer token is required.", "需要有效的持有者令牌。",
				 "Ein gültiges Bearer-Token ist erforderlich."},
	[PD_MSG_FORBIDDEN] = {"This operation needs the role {arg}.", "此操作需要 {arg} 角色。",
			      "Für diesen Vorgang ist die Rolle {arg} erforderlich."},
	[PD_MSG_TOO_LARGE] = {"The request body is larger than {arg} bytes.", "请求正文超过 {arg} 字节。",
			      "Der Anfragetext ist größer als {arg} Bytes."},
	[PD_MSG_MEDIA_TYPE] = {"Content-Type must be {arg}.", "Content-Type 必须为 {arg}。",
			       "Content-Type muss {arg} sein."},
	[PD_MSG_NO_ROUTE] = {"No such resource.", "没有此资源。", "Diese Ressource gibt es nicht."},
	[PD_MSG_METHOD] = {"Method not allowed here; allowed: {arg}.", "此处不允许该方法；允许：{arg}。",
			   "Methode hier nicht erlaubt; erlaubt: {arg}."},
	[PD_MSG_STORAGE] = {"The store cannot take writes right now (disk full or I/O error); nothing was changed. Retry later.",
			    "存储暂时无法写入（磁盘已满或 I/O 错误）；未做任何更改。请稍后重试。",
			    "Der Speicher nimmt gerade keine Schreibvorgänge an (Platte voll oder E/A-Fehler); nichts wurde geändert. Später erneut versuchen."},
	[PD_MSG_BUSY] = {"The service is busy or shutting down; retry later.", "服务繁忙或正在关闭；请稍后重试。",
			 "Der Dienst ist ausgelastet oder fährt herunter; später erneut versuchen."},
	[PD_MSG_INTERNAL] = {"Internal error.", "内部错误。", "Interner Fehler."},
	[PD_MSG_SANDBOX_ONLY] = {"Customers can be deleted only when partnerd runs in sandbox mode.",
				 "只有在沙盒模式下运行 partnerd 时才能删除客户。",
				 "Kunden können nur im Sandbox-Modus gelöscht werden."},
	[PD_MSG_RATE_LIMITED] = {"Too many requests; retry after {arg} seconds.", "请求过多；请在 {arg} 秒后重试。",
				 "Zu viele Anfragen; in {arg} Sekunden erneut versuchen."},
	[PD_MSG_PASSWORD_CHANGE] = {"Change your temporary password first (POST /v1/me/password).",
				    "请先修改临时密码（POST /v1/me/password）。",
				    "Ändern Sie zuerst Ihr vorläufiges Kennwort (POST /v1/me/password)."},
	[PD_MSG_LAST_ADMIN] = {"{field}: the partner's last active global admin cannot be removed, disabled or demoted.",
			       "{field}：不能删除、禁用或降级合作伙伴的最后一个有效全局管理员。",
			       "{field}: Der letzte aktive globale Administrator kann nicht entfernt, deaktiviert oder herabgestuft werden."},
	[PD_MSG_WEAK_PASSWORD] = {"{field} must be 12-256 characters with at least three of: upper case, lower case, digits, symbols.",
				  "{field} 必须为 12-256 个字符，且至少包含大写字母、小写字母、数字、符号中的三类。",
				  "{field} muss 12-256 Zeichen lang sein und mindestens drei davon enthalten: Groß-, Kleinbuchstaben, Ziffern, Sonderzeichen."},
	[PD_MSG_WRONG_PASSWORD] = {"{field} is not your current password.", "{field} 不是你当前的密码。",
				   "{field} ist nicht Ihr aktuelles Kennwort."},
	[PD_MSG_EMAIL_TAKEN] = {"{field}: a user with the e-mail {arg} already exists.", "{field}：电子邮件为 {arg} 的用户已存在。",
				"{field}: Ein Benutzer mit der E-Mail-Adresse {arg} existiert bereits."},
	[PD_MSG_BAD_DATE] = {"{field} is not an ISO 8601 date or date-time.", "{field} 不是 ISO 8601 日期或日期时间。",
			     "{field} ist kein Datum bzw. keine Datumszeit nach ISO 8601."},
	[PD_MSG_OFFER_UNKNOWN] = {"{field}: there is no offer {arg} in the catalog.", "{field}：目录中没有产品 {arg}。",
				  "{field}: Im Katalog gibt es kein Angebot {arg}."},
	[PD_MSG_OFFER_COUNTRY] = {"{field}: the offer is not sold to customers in {arg}.", "{field}：该产品不向 {arg} 的客户销售。",
				  "{field}: Das Angebot wird an Kunden in {arg} nicht verkauft."},
	[PD_MSG_QUANTITY] = {"{field} must be between {arg}.", "{field} 必须介于 {arg} 之间。", "{field} muss zwischen {arg} liegen."},
	[PD_MSG_ADDON_BASE] = {"{field}: this add-on needs an active subscription to one of {arg}.",
			       "{field}：此附加产品需要以下产品之一的有效订阅：{arg}。",
			       "{field}: Dieses Add-on benötigt ein aktives Abonnement eines dieser Angebote: {arg}."},
	[PD_MSG_SUB_SUSPENDED] = {"The subscription is suspended: reactivate it before changing its quantity.",
				  "订阅已暂停：请先重新激活再更改数量。",
				  "Das Abonnement ist ausgesetzt: Reaktivieren Sie es, bevor Sie die Anzahl ändern."},
	[PD_MSG_SUB_DELETED] = {"The subscription was deprovisioned 60 days after its suspension and cannot be changed.",
				"订阅在暂停 60 天后已被取消预配，无法更改。",
				"Das Abonnement wurde 60 Tage nach der Aussetzung deprovisioniert und kann nicht geändert werden."},
	[PD_MSG_NO_RELATIONSHIP] = {"There is no reseller relationship with this customer.", "与此客户没有经销商关系。",
				    "Mit diesem Kunden besteht keine Reseller-Beziehung."},
	[PD_MSG_ACTIVE_SUBS] = {"Suspend the customer's active subscriptions before ending the relationship.",
				"请先暂停客户的有效订阅，再结束关系。",
				"Setzen Sie die aktiven Abonnements des Kunden aus, bevor Sie die Beziehung beenden."},
	[PD_MSG_UPN_DOMAIN] = {"{field} must be an address at {arg}.", "{field} 必须是 {arg} 下的地址。",
			       "{field} muss eine Adresse unter {arg} sein."},
	[PD_MSG_UPN_TAKEN] = {"{field}: the user {arg} already exists.", "{field}：用户 {arg} 已存在。",
			      "{field}: Der Benutzer {arg} existiert bereits."},
	[PD_MSG_TENANT_SHARED] = {"Other partners still resell this customer; its tenant cannot be deleted.",
				  "其他合作伙伴仍在经销此客户，无法删除其租户。",
				  "Andere Partner betreuen diesen Kunden noch; sein Mandant kann nicht gelöscht werden."},
	[PD_MSG_CSRF] = {"{field} is missing or wrong: reload the page and try again.",
			 "{field} 缺失或不正确：请刷新页面后重试。",
			 "{field} fehlt oder ist falsch: Seite neu laden und erneut versuchen."},
	[PD_MSG_CROSS_SITE] = {"{field}: sign-in is accepted only from partnerd's own pages, not from another site.",
			       "{field}：仅接受从 partnerd 自己的页面登录，不接受来自其他网站的登录。",
			       "{field}: Anmeldungen werden nur von den Seiten von partnerd angenommen, nicht von einer anderen Website."},
	[PD_MSG_BIDI] = {"{field} must not contain the invisible bidirectional control character {arg}, which changes the order in which text is shown.",
			 "{field} 不能包含不可见的双向控制字符 {arg}，它会改变文字的显示顺序。",
			 "{field} darf das unsichtbare bidirektionale Steuerzeichen {arg} nicht enthalten, das die Reihenfolge der angezeigten Zeichen ändert."},
	[PD_MSG_CHANGED] = {"{arg} was changed by another request while yours was being handled; nothing was"
			    " changed. Read it again and retry.",
			    "在处理您的请求期间，{arg}已被另一个请求更改；未做任何更改。请重新读取后重试。",
			    "{arg} wurde während der Bearbeitung Ihrer Anfrage von einer anderen Anfrage geändert;"
			    " nichts wurde geändert. Lesen Sie es erneut und versuchen Sie es noch einmal."},
	[PD_MSG_USCC_LENGTH] = {"{field} must be a unified social credit code of 18 characters; this one has {arg}.",
				"{field} 必须是 18 位的统一社会信用代码；当前为 {arg} 位。",
				"{field} muss ein einheitlicher Sozialkreditcode (USCC) mit 18 Zeichen sein; dieser hat {arg}."},
	[PD_MSG_USCC_CHAR] = {"{field}: the character at position {arg} cannot be in a unified social credit code (digits and A-H, J-N, P, Q, R, T, U, W, X, Y; positions 3-8 digits only).",
			      "{field}：第 {arg} 位字符不能出现在统一社会信用代码中（只能是数字和 A-H、J-N、P、Q、R、T、U、W、X、Y；第 3-8 位只能是数字）。",
			      "{field}: Das Zeichen an Position {arg} ist in einem USCC nicht erlaubt (Ziffern und A-H, J-N, P, Q, R, T, U, W, X, Y; an Position 3-8 nur Ziffern)."},
	[PD_MSG_USCC_AUTHORITY] = {"{field}: the first character, {arg}, is not a registration authority code of GB 32100-2015.",
				   "{field}：第 1 位“{arg}”不是 GB 32100-2015 规定的登记管理部门代码。",
				   "{field}: Das erste Zeichen, {arg}, ist kein Code einer Registrierungsbehörde nach GB 32100-2015."},
	[PD_MSG_USCC_CATEGORY] = {"{field}: the second character, {arg}, is not an entity category of the registration authority in the first.",
				  "{field}：第 2 位“{arg}”不是第 1 位所示登记管理部门的机构类别代码。",
				  "{field}: Das zweite Zeichen, {arg}, ist keine Organisationskategorie der Registrierungsbehörde im ersten."},
	[PD_MSG_USCC_DIVISION] = {"{field}: characters 3-8, {arg}, are not an administrative division code of GB/T 2260.",
				  "{field}：第 3-8 位“{arg}”不是 GB/T 2260 规定的行政区划代码。",
				  "{field}: Die Zeichen 3-8, {arg}, sind kein Verwaltungsgebietscode nach GB/T 2260."},
	[PD_MSG_USCC_CHECK] = {"{field}: the check character (the 18th) does not match the other 17; look for a typo in the code.",
			       "{field}：校验码（第 18 位）与前 17 位不符，请检查代码是否输入有误。",
			       "{field}: Das Prüfzeichen (das 18.) passt nicht zu den übrigen 17; prüfen Sie den Code auf Tippfehler."},
	[PD_MSG_USCC_PROVINCE] = {"{field} was issued by a registration office in {arg}, but the address is in another province. Check both; a company that moved keeps its code.",
				  "{field} 由{arg}的登记机关颁发，但地址位于其他省份。请核对两者；迁址的企业代码不变。",
				  "{field} wurde von einer Registrierungsstelle in {arg} vergeben, die Adresse liegt aber in einer anderen Provinz. Bitte beides prüfen; ein umgezogenes Unternehmen behält seinen Code."},
	[PD_MSG_FAPIAO_COUNTRY] = {"{field}: fapiao details are accepted only for customers in China (CN), not in {arg}.",
				   "{field}：仅中国（CN）客户可以填写开票信息，{arg} 的客户不可以。",
				   "{field}: Fapiao-Angaben werden nur für Kunden in China (CN) angenommen, nicht in {arg}."},
	[PD_MSG_FAPIAO_SPECIAL] = {"{field} is required for a special VAT invoice (增值税专用发票).",
				   "开具增值税专用发票时，{field} 为必填项。",
				   "{field} ist für eine spezielle Mehrwertsteuerrechnung (增值税专用发票) erforderlich."},
	[PD_MSG_UNKNOWN_FIELD] = {"{field} is not a known field; nothing was changed.",
				  "{field} 不是可识别的字段；未做任何更改。",
				  "{field} ist kein bekanntes Feld; nichts wurde geändert."},
	[PD_MSG_BAD_ACCOUNT] = {"{field} must be a bank account number of 8-30 digits (spaces and hyphens are ignored).",
				"{field} 必须是 8-30 位数字的银行账号（空格和连字符会被忽略）。",
				"{field} muss eine Kontonummer aus 8-30 Ziffern sein (Leerzeichen und Bindestriche werden ignoriert)."},
	[PD_MSG_BAD_MOBILE] = {"{field} is not a mainland China mobile number (11 digits starting with 13-19, optionally after +86).",
			       "{field} 不是有效的中国大陆手机号码（以 13-19 开头的 11 位数字，可带 +86）。",
			       "{field} ist keine Mobilnummer in Festlandchina (11 Ziffern, beginnend mit 13-19, optional nach +86)."},
	[PD_MSG_RESELLER_UNKNOWN] = {"{field} must be the id of one of your active indirect resellers; {arg} is not.",
				     "{field} 必须是您的一个有效间接经销商的 ID；{arg} 不是。",
				     "{field} muss die ID eines Ihrer aktiven indirekten Reseller sein; {arg} ist es nicht."},
	[PD_MSG_RESELLER_ENDED] = {"The relationship with the indirect reseller {arg} has already ended.",
				   "与间接经销商 {arg} 的合作关系已经终止。",
				   "Die Beziehung zum indirekten Reseller {arg} wurde bereits beendet."},
	[PD_MSG_RESELLER_NOT_FOUND] = {"The indirect reseller {arg} was not found.", "未找到间接经销商 {arg}。",
				       "Der indirekte Reseller {arg} wurde nicht gefunden."},
	[PD_MSG_RESELLER_TAKEN] = {"{field}: you already have an indirect reseller with the id {arg}.",
				   "{field}：已存在 ID 为 {arg} 的间接经销商。",
				   "{field}: Es gibt bereits einen indirekten Reseller mit der ID {arg}."},
	[PD_MSG_BAD_MPN] = {"{field} must be an MPN ID of 6 to 10 digits.", "{field} 必须是 6 到 10 位数字的 MPN ID。",
			    "{field} muss eine MPN-ID aus 6 bis 10 Ziffern sein."},
	[PD_MSG_MPN_TAKEN] = {"{field}: another of your indirect resellers already has the MPN ID {arg}.",
			      "{field}：您的另一个间接经销商已在使用 MPN ID {arg}。",
			      "{field}: Ein anderer Ihrer indirekten Reseller hat bereits die MPN-ID {arg}."},
	[PD_MSG_NOT_ACCEPTED] = {"{field} is not a property partnerd takes here; nothing was changed. Leave it out.",
				 "此处不接受属性 {field}；未做任何更改。请去掉该属性。",
				 "{field} ist hier keine Eigenschaft, die partnerd annimmt; nichts wurde geändert. Lassen Sie sie weg."},
	[PD_MSG_READ_ONLY] = {"{field} cannot be changed here; send it unchanged or leave it out.",
			      "此处不能更改 {field}；请保持原值或不要发送。",
			      "{field} kann hier nicht geändert werden; senden Sie den bisherigen Wert oder lassen Sie es weg."},
	[PD_MSG_REQUEST_REUSED] = {"MS-RequestId {arg} was already used for a different request; nothing was changed."
				   " Send a new MS-RequestId for a new request.",
				   "MS-RequestId {arg} 已用于另一个不同的请求；未做任何更改。新请求请使用新的 MS-RequestId。",
				   "MS-RequestId {arg} wurde bereits für eine andere Anfrage verwendet; nichts wurde geändert."
				   " Senden Sie für eine neue Anfrage eine neue MS-RequestId."},
	[PD_MSG_ORDER_NOT_FOUND] = {"{field}: the customer has no order {arg}.", "{field}：该客户没有订单 {arg}。",
				    "{field}: Der Kunde hat keine Bestellung {arg}."},
	[PD_MSG_BAD_FORMAT] = {"{field} must be {arg}.", "{field} 必须为 {arg}。", "{field} muss {arg} sein."},
	[PD_MSG_INVITATION_REVOKED] = {"There is no active invitation: it was revoked; POST /v1/customers/relationshiprequests issues a new one.",
				       "没有有效的邀请：它已被撤销；POST /v1/customers/relationshiprequests 可生成新的邀请。",
				       "Es gibt keine aktive Einladung: Sie wurde widerrufen; POST /v1/customers/relationshiprequests erstellt eine neue."},
	[PD_MSG_POSSIBLE_DUPLICATE] = {"{field}: {arg} existing customer(s) have the same company name (ignoring case, width, Traditional/Simplified characters, punctuation and the legal form); their ids are in data. Send \"confirmDuplicates\": true to create this customer anyway.",
				       "{field}：已有 {arg} 个客户的公司名称相同（不区分大小写、全角半角、繁简体、标点和公司类型后缀），其 ID 见 data。如确需创建，请在请求中加上 \"confirmDuplicates\": true。",
				       "{field}: {arg} vorhandene(r) Kunde(n) hat/haben denselben Firmennamen (ohne Groß-/Kleinschreibung, Zeichenbreite, traditionelle/vereinfachte Zeichen, Satzzeichen und Rechtsform); die IDs stehen in data. Mit \"confirmDuplicates\": true wird der Kunde trotzdem angelegt."},
	[PD_MSG_POSSIBLE_DUPLICATE_USCC] = {"{field}: {arg} existing customer(s) hold the same unified social credit code; their ids are in data. Send \"confirmDuplicates\": true to create this customer anyway.",
					    "{field}：已有 {arg} 个客户使用相同的统一社会信用代码，其 ID 见 data。如确需创建，请在请求中加上 \"confirmDuplicates\": true。",
					    "{field}: {arg} vorhandene(r) Kunde(n) hat/haben dieselbe einheitliche Sozialkreditnummer (USCC); die IDs stehen in data. Mit \"confirmDuplicates\": true wird der Kunde trotzdem angelegt."},
	[PD_MSG_DUPLICATE_ROW] = {"{field}: a possible duplicate of row {arg} (the same company name, ignoring case, width, Traditional/Simplified characters, punctuation and the legal form); --confirm-duplicates imports both.",
				  "{field}：可能与第 {arg} 行重复（公司名称相同，不区分大小写、全角半角、繁简体、标点和公司类型后缀）；使用 --confirm-duplicates 可同时导入。",
				  "{field}: möglicherweise ein Duplikat von Zeile {arg} (derselbe Firmenname, ohne Groß-/Kleinschreibung, Zeichenbreite, traditionelle/vereinfachte Zeichen, Satzzeichen und Rechtsform); mit --confirm-duplicates werden beide importiert."},
	[PD_MSG_SORT_FILTER] = {"{field}: newest first is an order of the whole list; a filtered list keeps its own order.",
				"{field}：“最新的在前”只用于完整列表；筛选结果保持其自身顺序。",
				"{field}: Neueste zuerst gilt nur für die ganze Liste; eine gefilterte Liste behält ihre eigene Reihenfolge."},
	[PD_MSG_BAD_CURSOR] = {"{field} must be a cursor of the change feed: a whole number from 0, or latest.",
			       "{field} 必须是变更源的游标：从 0 起的整数，或 latest。",
			       "{field} muss ein Cursor des Änderungsfeeds sein: eine ganze Zahl ab 0 oder latest."},
	[PD_MSG_EVENTS_PRUNED] = {"{field}: events after this cursor are no longer kept (the store's event retention "
				  "removed them); the oldest cursor still kept is {arg}. Rebuild what you keep from "
				  "the resources themselves, then read on from there.",
				  "{field}：此游标之后的事件已不再保留（已按事件保留期删除）；仍保留的最早游标为 {arg}。"
				  "请先根据资源本身重建您的数据，再从该处继续读取。",
				  "{field}: Ereignisse nach diesem Cursor werden nicht mehr aufbewahrt (die Aufbewahrungsfrist "
				  "hat sie entfernt); der älteste noch vorhandene Cursor ist {arg}. Bauen Sie Ihre Daten aus "
				  "den Ressourcen selbst neu auf und lesen Sie dann von dort weiter."},
	[PD_MSG_EVENTS_WAITING] = {"Too many requests are waiting for events already ({arg} at most); retry in a second.",
				   "等待事件的请求已过多（最多 {arg} 个）；请一秒后重试。",
				   "Es warten bereits zu viele Anfragen auf Ereignisse (höchstens {arg}); in einer Sekunde "
				   "erneut versuchen."},
	[PD_MSG_UNKNOWN_PARAM] = {"{field} is not a parameter of this request; it takes {arg}.",
				  "{field} 不是此请求的参数；可用参数为 {arg}。",
				  "{field} ist kein Parameter dieser Anfrage; sie nimmt {arg}."},
	[PD_MSG_PARAM_TWICE] = {"The parameter {field} is given more than once; give it once.",
				"参数 {field} 出现了多次；只能给出一次。",
				"Der Parameter {field} ist mehrfach angegeben; geben Sie ihn nur einmal an."},
	/* issue 22: webhooks */
	[PD_MSG_WEBHOOK_HTTPS] = {"{field} must be an https URL (http only when partnerd runs with --webhook-allow-http).",
				  "{field} 必须是 https URL（仅当 partnerd 以 --webhook-allow-http 运行时才允许 http）。",
				  "{field} muss eine https-URL sein (http nur, wenn partnerd mit --webhook-allow-http läuft)."},
	[PD_MSG_WEBHOOK_ABSOLUTE] = {"{field} must be an absolute URL: https://, a host name and an optional port.",
				     "{field} 必须是绝对 URL：https://、主机名和可选端口。",
				     "{field} muss eine absolute URL sein: https://, ein Hostname und optional ein Port."},
	[PD_MSG_WEBHOOK_USERINFO] = {"{field} must not carry a user name or password.",
				     "{field} 不能包含用户名或密码。",
				     "{field} darf keinen Benutzernamen und kein Kennwort enthalten."},
	[PD_MSG_WEBHOOK_HOST] = {"{field}: the host name or the port is not valid.",
				 "{field}：主机名或端口无效。",
				 "{field}: Der Hostname oder der Port ist ungültig."},
	[PD_MSG_WEBHOOK_FRAGMENT] = {"{field} must not have a #fragment: an HTTP client never sends it, so the receiver "
				     "would not see it.",
				     "{field} 不能包含 #片段：HTTP 客户端从不发送片段，接收方看不到它。",
				     "{field} darf kein #Fragment enthalten: Ein HTTP-Client sendet es nie, der Empfänger "
				     "sähe es nicht."},
	[PD_MSG_WEBHOOK_ASCII] = {"{field} must be printable ASCII without spaces: write an international host name "
				  "in its xn-- form and percent-encode the rest.",
				  "{field} 必须是不含空格的可打印 ASCII：国际化主机名请写成 xn-- 形式，其余部分请进行百分号编码。",
				  "{field} muss druckbares ASCII ohne Leerzeichen sein: einen internationalen Hostnamen in "
				  "seiner xn---Form schreiben, den Rest prozentkodieren."},
	[PD_MSG_WEBHOOK_RESOLVE] = {"{field}: the host {arg} cannot be resolved to an address.",
				    "{field}：无法解析主机 {arg} 的地址。",
				    "{field}: Der Host {arg} lässt sich nicht in eine Adresse auflösen."},
	[PD_MSG_WEBHOOK_ADDRESS] = {"{field}: {arg} is a loopback, private, link-local, multicast or reserved address, or partnerd's own; partnerd calls only public addresses (unless it runs with --webhook-allow-private).",
				    "{field}：{arg} 是环回、专用、链路本地、多播或保留地址，或 partnerd 自身的地址；partnerd 只调用公网地址（除非以 --webhook-allow-private 运行）。",
				    "{field}: {arg} ist eine Loopback-, private, Link-local-, Multicast- oder reservierte Adresse oder partnerds eigene; partnerd ruft nur öffentliche Adressen auf (außer mit --webhook-allow-private)."},
	[PD_MSG_WEBHOOK_RESOLVE_SLOW] = {"{field}: the host {arg} could not be resolved in 5 s; check its DNS and try again.",
					 "{field}：主机 {arg} 未能在 5 秒内解析；请检查其 DNS 后重试。",
					 "{field}: Der Host {arg} ließ sich nicht innerhalb von 5 s auflösen; prüfen Sie sein DNS und versuchen Sie es erneut."},
	[PD_MSG_WEBHOOK_RESOLVE_BUSY] = {"{field}: {arg} host names are being resolved already, the most partnerd resolves at once; try again shortly.",
					 "{field}：已有 {arg} 个主机名正在解析，这是 partnerd 同时解析的上限；请稍后重试。",
					 "{field}: Es werden bereits {arg} Hostnamen aufgelöst, so viele wie partnerd gleichzeitig auflöst; versuchen Sie es gleich erneut."},
	[PD_MSG_WEBHOOK_EVENT] = {"{field}: {arg} is not a webhook event; GET /webhooks/v1/registration/events lists them.",
				  "{field}：{arg} 不是 Webhook 事件；GET /webhooks/v1/registration/events 可列出所有事件。",
				  "{field}: {arg} ist kein Webhook-Ereignis; GET /webhooks/v1/registration/events listet sie auf."},
	[PD_MSG_WEBHOOK_EVENTS] = {"{field} must name at least one event.", "{field} 必须至少包含一个事件。",
				   "{field} muss mindestens ein Ereignis nennen."},
	[PD_MSG_WEBHOOK_DUPLICATE] = {"{field} names {arg} more than once.", "{field} 多次包含 {arg}。",
				      "{field} nennt {arg} mehr als einmal."},
	[PD_MSG_WEBHOOK_EXISTS] = {"A webhook registration exists already; change it with PUT /webhooks/v1/registration.",
				   "Webhook 注册已存在；请使用 PUT /webhooks/v1/registration 修改。",
				   "Es gibt bereits eine Webhook-Registrierung; ändern Sie sie mit PUT /webhooks/v1/registration."},
	[PD_MSG_WEBHOOK_NO_TEST] = {"{field}: the registration does not include test-created; add it before asking for a test event.",
				    "{field}：注册未包含 test-created；请先添加该事件，再请求测试事件。",
				    "{field}: Die Registrierung enthält test-created nicht; fügen Sie es hinzu, bevor Sie ein Testereignis anfordern."},
	[PD_MSG_WEBHOOK_NOT_PARKED] = {"The event {arg} is not parked; only parked events can be redelivered.",
				       "事件 {arg} 未被搁置；只能重新投递已搁置的事件。",
				       "Das Ereignis {arg} ist nicht zurückgestellt; nur zurückgestellte Ereignisse können erneut zugestellt werden."},
};

enum pd_locale pd_locale_parse(const char *s)
{
	if (!s)
		return PD_LOCALE_EN;
	while (*s == ' ')
		s++;
	if (!strncasecmp(s, "zh", 2))
		return PD_LOCALE_ZH;
	if (!strncasecmp(s, "de", 2))
		return PD_LOCALE_DE;
	return PD_LOCALE_EN;
}

const char *pd_msg_template(enum pd_msg m, enum pd_locale loc)
{
	if ((unsigned)m >= PD_MSG_COUNT)
		m = PD_MSG_INTERNAL;
	if ((unsigned)loc >= PD_LOCALE_COUNT)
		loc = PD_LOCALE_EN;
	return catalog[m][loc];
}

/* Bytes in the UTF-8 sequence that starts with c (1 for stray continuation bytes). */
static size_t seq_len(unsigned char c)
{
	return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

/* Appends whole characters of s[0..n) while they fit before the terminating NUL. */
static size_t put(char *buf, size_t cap, size_t at, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t k = seq_len((unsigned char)s[i]);
		if (i + k > n || at + k + 1 > cap)
			break;
		memcpy(buf + at, s + i, k);
		at += k, i += k;
	}
	return at;
}

static const char *type_phrase(const char *arg, enum pd_locale loc);
static char *render(char *buf, size_t cap, const char *t, const char *field, const char *arg);

char *pd_msg_render(char *buf, size_t cap, enum pd_msg m, enum pd_locale loc,
		    const char *field, const char *arg)
{
	if (m == PD_MSG_BAD_TYPE)
		arg = type_phrase(arg, loc);
	return render(buf, cap, pd_msg_template(m, loc), field, arg);
}

static char *render(char *buf, size_t cap, const char *t, const char *field, const char *arg)
{
	size_t at = 0;
	if (!cap)
		return buf;
	while (*t) {
		const char *sub = NULL;
		size_t skip = 0;
		if (!strncmp(t, "{field}", 7))
			sub = field ? field : "", skip = 7;
		else if (!strncmp(t, "{arg}", 5))
			sub = arg ? arg : "", skip = 5;
		if (sub) {
			at = put(buf, cap, at, sub, strlen(sub));
			t += skip;
		} else {
			size_t k = seq_len((unsigned char)*t);
			at = put(buf, cap, at, t, k);
			t += k;
		}
	}
	buf[at] = 0;
	return buf;
}

/* ---- issue 16: type phrases, nouns and Partner Center's codes ---- */

/* The {arg} of PD_MSG_BAD_TYPE: a type phrase, keyed by its English form. */
static const char *const type_phrases[][PD_LOCALE_COUNT] = {
	{"a string", "字符串", "eine Zeichenkette"},
	{"an object", "对象", "ein Objekt"},
	{"a JSON object", "JSON 对象", "ein JSON-Objekt"},
	{"a whole number", "整数", "eine ganze Zahl"},
	{"a boolean", "布尔值", "ein boolescher Wert"},
	{"an array of 1-100 line items", "包含 1-100 个订单项的数组", "ein Array mit 1-100 Positionen"},
};

static const char *const nouns[PD_NOUN_COUNT][PD_LOCALE_COUNT] = {
	[PD_NOUN_CUSTOMER] = {"The customer", "客户", "Der Kunde"},
	[PD_NOUN_CUSTOMER_LIST] = {"The customer list", "客户列表", "Die Kundenliste"},
	[PD_NOUN_USER] = {"The user", "用户", "Der Benutzer"},
	[PD_NOUN_USERS] = {"The users", "用户列表", "Die Benutzerliste"},
	[PD_NOUN_CUSTOMER_USER] = {"The user", "用户", "Der Benutzer"},
	[PD_NOUN_APP] = {"The application", "应用程序", "Die Anwendung"},
	[PD_NOUN_APPS] = {"The applications", "应用程序列表", "Die Anwendungsliste"},
	[PD_NOUN_INVITATION] = {"The invitation", "邀请", "Die Einladung"},
	[PD_NOUN_ACTIVITY_LOG] = {"The activity log", "活动日志", "Das Aktivitätsprotokoll"},
	[PD_NOUN_AUDIT_RECORD] = {"The audit record", "审核记录", "Der Protokolleintrag"},
	[PD_NOUN_DOMAIN] = {"The domain", "域", "Die Domäne"},
	[PD_NOUN_STORE] = {"The store", "存储", "Der Speicher"},
	[PD_NOUN_TOKEN] = {"The token", "令牌", "Das Token"},
	[PD_NOUN_SESSION] = {"The session", "会话", "Die Sitzung"},
	[PD_NOUN_SUBSCRIPTION] = {"The subscription", "订阅", "Das Abonnement"},
	[PD_NOUN_ORDER] = {"The order", "订单", "Die Bestellung"},
	[PD_NOUN_OFFER] = {"The offer", "产品", "Das Angebot"},
	[PD_NOUN_COUNTRY] = {"The country", "国家/地区", "Das Land"},
	[PD_NOUN_RESELLER] = {"The indirect reseller", "间接经销商", "Der indirekte Reseller"},
	[PD_NOUN_RESELLERS] = {"The indirect resellers", "间接经销商列表", "Die Liste der indirekten Reseller"},
	[PD_NOUN_WEBHOOK] = {"The webhook registration", "Webhook 注册", "Die Webhook-Registrierung"},
	[PD_NOUN_WEBHOOK_TEST] = {"The test event", "测试事件", "Das Testereignis"},
	[PD_NOUN_WEBHOOK_DELIVERY] = {"The delivery", "投递", "Die Zustellung"},
};

/* The type phrase `arg` of PD_MSG_BAD_TYPE in `loc` (unknown phrases as they are). */
static const char *type_phrase(const char *arg, enum pd_locale loc)
{
	for (size_t i = 0; arg && (unsigned)loc < PD_LOCALE_COUNT && i < sizeof type_phrases / sizeof type_phrases[0]; i++)
		if (!strcmp(arg, type_phrases[i][PD_LOCALE_EN]))
			return type_phrases[i][loc];
	return arg;
}

static char *noun_text(char *buf, size_t cap, const char *noun, const char *id)
{
	size_t at = 0;
	if (!cap)
		return buf;
	at = put(buf, cap, at, noun, strlen(noun));
	if (id && *id) {
		at = put(buf, cap, at, " ", 1);
		at = put(buf, cap, at, id, strlen(id));
	}
	buf[at] = 0;
	return buf;
}

char *pd_noun_render(char *buf, size_t cap, enum pd_noun n, enum pd_locale loc, const char *id)
{
	if ((unsigned)n >= PD_NOUN_COUNT)
		n = PD_NOUN_STORE;
	if ((unsigned)loc >= PD_LOCALE_COUNT)
		loc = PD_LOCALE_EN;
	return noun_text(buf, cap, nouns[n][loc], id);
}

int pd_noun_not_found_code(enum pd_noun n)
{
	switch (n) {
	case PD_NOUN_SUBSCRIPTION: return 20003;
	case PD_NOUN_ORDER: return 20000;
	case PD_NOUN_CUSTOMER_USER: return 60002;
	default: return 1000;
	}
}

int pd_msg_code(enum pd_msg m)
{
	switch (m) {
	case PD_MSG_SUB_SUSPENDED: return 2001;   /* quantity change while suspended */
	case PD_MSG_SUB_DELETED: return 2011;     /* deleted status cannot be updated */
	case PD_MSG_NO_RELATIONSHIP: return 20002; /* no commerce relationship with the customer */
	case PD_MSG_ORDER_NOT_FOUND: return 20000;
	case PD_MSG_STALE_ETAG: return 2055;
	default: return 0;
	}
}

