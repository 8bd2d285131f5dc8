package jsonw

// TrickyStrings are what encoding/json escapes or replaces: HTML
// characters, quotes and backslashes, every kind of control byte, invalid
// UTF-8 (lone bytes, a cut sequence, an encoded surrogate), U+2028/U+2029,
// DEL and multi-byte text, and strings past eight bytes, so the eight-byte
// test skips words before and after them. The hand encoders' property
// tests and fuzz seeds draw from it.
var TrickyStrings = []string{
	"", "plain", "<script>&amp;</script>", `quote " and \ backslash`,
	"\b\f\n\r\t", "\x00\x01\x1f", "\x7f", "\xff", "a\xc3", "\xed\xa0\x80",
	"\u2028\u2029", "line\u2028sep", "сервер-01", "日本\U0001F600", "\uFFFD",
	"ok\xe2\x80", "mixed <\xff\u2029>", "running", "reload_server",
	"GigabitEthernet1/0/43", "Samsung PM983 1024GB <NVMe> & more", "0123456\"89abcde\\ghijklmn",
	"abcdefgh\x1fijklmnop\x7fqrstuvw\u2028xyz", "abcdefg\xffhijklmnopq>",
}
