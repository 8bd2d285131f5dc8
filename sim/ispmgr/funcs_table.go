package ispmgr

// ispFuncs are the ISPmanager functions (/ispmgr) with their access levels.
var ispFuncs = withFilters(map[string]funcSpec{
	"user":                  {levelReseller, userList},
	"user.edit":             {levelReseller, userEdit},
	"user.add":              {levelReseller, userCreateOnly},
	"user.add.finish":       {levelReseller, userAddFinish},
	"user.delete":           {levelReseller, userDelete},
	"user.suspend":          {levelReseller, userSetActive(false)},
	"user.resume":           {levelReseller, userSetActive(true)},
	"preset":                {levelReseller, presetList},
	"preset.edit":           {levelReseller, presetEdit},
	"preset.delete":         {levelAdmin, presetDelete},
	"usrparam":              {levelUser, usrparam},
	"webdomain":             {levelUser, webdomainList},
	"webdomain.edit":        {levelUser, webdomainEdit},
	"webdomain.delete":      {levelUser, webdomainDelete},
	"webdomain.suspend":     {levelUser, webdomainSetActive(false)},
	"webdomain.resume":      {levelUser, webdomainSetActive(true)},
	"emaildomain":           {levelUser, emaildomainList},
	"emaildomain.edit":      {levelUser, emaildomainEdit},
	"emaildomain.delete":    {levelUser, emaildomainDelete},
	"email":                 {levelUser, emailList},
	"email.edit":            {levelUser, emailEdit},
	"email.delete":          {levelUser, emailDelete},
	"domain":                {levelUser, domainList},
	"domain.edit":           {levelUser, domainEdit},
	"domain.delete":         {levelUser, domainDelete},
	"domain.record":         {levelUser, recordList},
	"domain.record.edit":    {levelUser, recordEdit},
	"domain.record.delete":  {levelUser, recordDelete},
	"db":                    {levelUser, dbList},
	"db.edit":               {levelUser, dbEdit},
	"db.delete":             {levelUser, dbDelete},
	"db.server":             {levelUser, dbServerList},
	"db.server.edit":        {levelAdmin, dbServerEdit},
	"db.server.delete":      {levelAdmin, dbServerDelete},
	"ftp.user":              {levelUser, ftpUserList},
	"ftp.user.edit":         {levelUser, ftpUserEdit},
	"ftp.user.delete":       {levelUser, ftpUserDelete},
	"ftp.user.suspend":      {levelUser, ftpUserSetActive(false)},
	"ftp.user.resume":       {levelUser, ftpUserSetActive(true)},
	"site":                  {levelUser, webdomainList},
	"site.edit":             {levelUser, siteView.of(webdomainEdit)},
	"site.delete":           {levelUser, siteView.of(webdomainDelete)},
	"site.suspend":          {levelUser, siteView.of(webdomainSetActive(false))},
	"site.resume":           {levelUser, siteView.of(webdomainSetActive(true))},
	"domain.sublist":        {levelUser, sublistList},
	"domain.sublist.edit":   {levelUser, sublistView.of(recordEdit)},
	"domain.sublist.delete": {levelUser, sublistView.of(recordDelete)},
	"whoami":                {levelUser, whoami},
	"ipaddr":                {levelUser, ipaddrList},
	"ipaddr.edit":           {levelAdmin, ipaddrEdit},
	"ipaddr.delete":         {levelAdmin, ipaddrDelete},
	"session.newkey":        {levelAdmin, sessionNewKey},
}, "user", "preset", "webdomain", "emaildomain", "email", "domain", "domain.record", "db", "ipaddr",
	"db.server", "ftp.user", "site", "domain.sublist")

// ipFuncs are the IPmanager functions (/ipmgr) with their access levels.
var ipFuncs = withFilters(map[string]funcSpec{
	"ip":               {levelUser, ipList},
	"ip.edit":          {levelUser, ipEdit},
	"ip.delete":        {levelUser, ipDelete},
	"ipnet":            {levelUser, ipnetList},
	"ipnet.edit":       {levelUser, ipnetEdit},
	"ipnet.delete":     {levelAdmin, ipnetDelete},
	"userspace":        {levelAdmin, userspaceList},
	"userspace.edit":   {levelAdmin, userspaceEdit},
	"userspace.delete": {levelAdmin, userspaceDelete},
	"usrparam":         {levelUser, usrparam},
	"session.newkey":   {levelAdmin, sessionNewKey},
	"whoami":           {levelUser, whoami},
	"user":             {levelAdmin, userList},
	"user.edit":        {levelAdmin, userEdit},
	"user.delete":      {levelAdmin, userDelete},
	"admin":            {levelAdmin, adminList},
	"admin.edit":       {levelAdmin, adminEdit},
	"admin.delete":     {levelAdmin, adminDelete},
}, "ip", "ipnet", "userspace", "user", "admin")

// withFilters adds <list>.filter for each list function, at the list's
// level: mgr5 gives every list a filter function (the vendor's function
// conventions), which sets the interface's list filter.
func withFilters(m map[string]funcSpec, lists ...string) map[string]funcSpec {
	for _, l := range lists {
		m[l+".filter"] = funcSpec{m[l].level, listFilter}
	}
	return m
}
