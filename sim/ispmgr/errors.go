package ispmgr

import (
	"fmt"
	"strings"
)

// The mgr5 error types (the type attribute of <error>), spelled as the
// panel spells them.
const (
	errAuth     = "auth"
	errExists   = "exists"
	errMissed   = "missed"
	errValue    = "value"
	errAccess   = "access"
	errNotFound = "notfound"
	errLimit    = "limit"
	errInternal = "internal"
	errUsed     = "used"
)

// objBadPassword is the object of every failed login, as real clients see it.
const objBadPassword = "badpassword"

// mgrError is a panel error on its way into a document. Object is the kind
// of object or the parameter the error is about, Value the offending value.
type mgrError struct {
	Type   string
	Object string
	Value  string
	// Msg, when set, replaces the localized message (fault injection).
	Msg string
	// Detail, when set, replaces the JSON renderings' detail (fault injection).
	Detail string
}

func (e *mgrError) Error() string { return e.Type + "(" + e.Object + "): " + e.Value }

func errorf(typ, object, value string) *mgrError {
	return &mgrError{Type: typ, Object: object, Value: value}
}

// Short constructors for the errors model code raises all the time.
func missed(param string) *mgrError       { return errorf(errMissed, param, "") }
func badValue(param, v string) *mgrError  { return errorf(errValue, param, v) }
func exists(object, v string) *mgrError   { return errorf(errExists, object, v) }
func notFound(object, v string) *mgrError { return errorf(errNotFound, object, v) }
func accessDenied(fn string) *mgrError    { return errorf(errAccess, fn, "") }
func overLimit(limit string, max int) *mgrError {
	return errorf(errLimit, "limit_"+limit, itoa(max))
}

// templates are the message templates per language, keyed by error type
// (or type.object); __object__ and __value__ are filled from the params.
var templates = map[string]map[string]string{
	"en": {
		"auth":          "Invalid username or password ",
		"auth.expired":  "Your session has expired. Please log in again ",
		"auth.disabled": "The user account is disabled ",
		"exists":        "__object__ with the value '__value__' already exists",
		"missed":        "Required field '__object__' is not filled in",
		"missed.func":   "Function '__value__' not found",
		"value":         "The field '__object__' has an invalid value '__value__'",
		"access":        "Insufficient privileges to access the function '__object__'",
		"notfound":      "__object__ '__value__' not found",
		"limit":         "The limit '__object__' is exceeded: no more than __value__ allowed",
		"internal":      "Internal error: __value__",
		"used":          "__object__ '__value__' is in use and cannot be deleted",
		"":              "__value__",
	},
	"ru": {
		"auth":          "Неверное имя пользователя или пароль ",
		"auth.expired":  "Сессия устарела. Авторизуйтесь заново ",
		"auth.disabled": "Учётная запись пользователя отключена ",
		"exists":        "__object__ со значением '__value__' уже существует",
		"missed":        "Не заполнено обязательное поле '__object__'",
		"missed.func":   "Функция '__value__' не найдена",
		"value":         "Поле '__object__' имеет недопустимое значение '__value__'",
		"access":        "Недостаточно прав для доступа к функции '__object__'",
		"notfound":      "__object__ '__value__' не найден",
		"limit":         "Превышено ограничение '__object__': разрешено не более __value__",
		"internal":      "Внутренняя ошибка: __value__",
		"used":          "__object__ '__value__' используется и не может быть удалён",
		"":              "__value__",
	},
}

// objectLabels are the localized names of objects and fields that mgr5
// puts in the msg attribute of the object param.
var objectLabels = map[string]map[string]string{
	"en": {
		"user": "User", "preset": "Template", "webdomain": "WWW domain", "emaildomain": "Mail domain",
		"email": "Mailbox", "domain": "Domain", "domain.record": "Record", "db": "Database",
		"ipaddr": "IP address", "ip": "IP address", "ipnet": "Network", "userspace": "Address space",
		"name": "Name", "passwd": "Password", "confirm": "Confirmation", "owner": "Owner", "elid": "Object",
		"plid": "Parent object", "key": "Key", "username": "Username", "value": "Value", "rtype": "Type",
		"limit_webdomains": "WWW domains", "limit_emaildomains": "Mail domains", "limit_emails": "Mailboxes",
		"limit_domains": "Domains", "limit_db": "Databases", "limit_quota": "Disk quota", "limit_ipaddrs": "IP addresses",
	},
	"ru": {
		"user": "Пользователь", "preset": "Шаблон", "webdomain": "WWW-домен", "emaildomain": "Почтовый домен",
		"email": "Почтовый ящик", "domain": "Домен", "domain.record": "Запись", "db": "База данных",
		"ipaddr": "IP-адрес", "ip": "IP-адрес", "ipnet": "Сеть", "userspace": "Адресное пространство",
		"name": "Имя", "passwd": "Пароль", "confirm": "Подтверждение", "owner": "Владелец", "elid": "Объект",
		"plid": "Родительский объект", "key": "Ключ", "username": "Пользователь", "value": "Значение", "rtype": "Тип",
		"limit_webdomains": "WWW-домены", "limit_emaildomains": "Почтовые домены", "limit_emails": "Почтовые ящики",
		"limit_domains": "Домены", "limit_db": "Базы данных", "limit_quota": "Дисковая квота", "limit_ipaddrs": "IP-адреса",
	},
}

// languages the panel speaks; anything else falls back to the default.
var languages = map[string]bool{"en": true, "ru": true}

// template returns the message template for an error in a language.
func (e *mgrError) template(lang string) string {
	t := templates[lang]
	if s, ok := t[e.Type+"."+e.Object]; ok {
		return s
	}
	if s, ok := t[e.Type]; ok {
		return s
	}
	return t[""]
}

// label is the localized name of the error's object, "" if it has none.
func (e *mgrError) label(lang string) string {
	if e.Type == errAuth {
		return ""
	}
	return objectLabels[lang][e.Object]
}

// message fills the template: __object__ gets the label (or the raw
// object), __value__ the value.
func (e *mgrError) message(lang string) string {
	obj := e.label(lang)
	if obj == "" {
		obj = e.Object
	}
	return strings.NewReplacer("__object__", obj, "__value__", e.Value).Replace(e.template(lang))
}

// CheckFaultCode accepts a fault rule's native error code: mgr5's code is
// the error's type attribute (exists, access, value...), one XML-safe word.
func (*Panel) CheckFaultCode(code string) error {
	if code == "" || strings.ContainsAny(code, " \t\r\n<>&\"'") {
		return fmt.Errorf("mgr5 error codes are an error type such as exists or access (got %q)", code)
	}
	return nil
}
