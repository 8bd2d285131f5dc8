package ispmgr

// ispFuncs are the ISPmanager functions (/ispmgr) with their access levels.
var ispFuncs = map[string]funcSpec{
	"user":                 {levelReseller, userList},
	"user.edit":            {levelReseller, userEdit},
	"user.add":             {levelReseller, userCreateOnly},
	"user.add.finish":      {levelReseller, userAddFinish},
	"user.delete":          {levelReseller, userDelete},
	"user.suspend":         {levelReseller, userSetActive(false)},
	"user.resume":          {levelReseller, userSetActive(true)},
	"preset":               {levelReseller, presetList},
	"preset.edit":          {levelReseller, presetEdit},
	"preset.delete":        {levelAdmin, presetDelete},
	"usrparam":             {levelUser, usrparam},
	"webdomain":            {levelUser, webdomainList},
	"webdomain.edit":       {levelUser, webdomainEdit},
	"webdomain.delete":     {levelUser, webdomainDelete},
	"webdomain.suspend":    {levelUser, webdomainSetActive(false)},
	"webdomain.resume":     {levelUser, webdomainSetActive(true)},
	"emaildomain":          {levelUser, emaildomainList},
	"emaildomain.edit":     {levelUser, emaildomainEdit},
	"emaildomain.delete":   {levelUser, emaildomainDelete},
	"email":                {levelUser, emailList},
	"email.edit":           {levelUser, emailEdit},
	"email.delete":         {levelUser, emailDelete},
	"domain":               {levelUser, domainList},
	"domain.edit":          {levelUser, domainEdit},
	"domain.delete":        {levelUser, domainDelete},
	"domain.record":        {levelUser, recordList},
	"domain.record.edit":   {levelUser, recordEdit},
	"domain.record.delete": {levelUser, recordDelete},
	"db":                   {levelUser, dbList},
	"db.edit":              {levelUser, dbEdit},
	"db.delete":            {levelUser, dbDelete},
	"ipaddr":               {levelUser, ipaddrList},
	"ipaddr.edit":          {levelAdmin, ipaddrEdit},
	"ipaddr.delete":        {levelAdmin, ipaddrDelete},
	"session.newkey":       {levelAdmin, sessionNewKey},
}

// ipFuncs are the IPmanager functions (/ipmgr) with their access levels.
var ipFuncs = map[string]funcSpec{
	"ip":               {levelUser, ipList},
	"ip.edit":          {levelUser, ipEdit},
	"ip.delete":        {levelUser, ipDelete},
	"ip.filter":        {levelUser, ipFilter},
	"ipnet":            {levelUser, ipnetList},
	"ipnet.edit":       {levelUser, ipnetEdit},
	"ipnet.delete":     {levelAdmin, ipnetDelete},
	"userspace":        {levelAdmin, userspaceList},
	"userspace.edit":   {levelAdmin, userspaceEdit},
	"userspace.delete": {levelAdmin, userspaceDelete},
	"usrparam":         {levelUser, usrparam},
	"session.newkey":   {levelAdmin, sessionNewKey},
}

// userCreateOnly is func=user.add: always a new user (StereoFlo's client
// sends it with sok=ok); without sok it shows the empty form.
func userCreateOnly(c *call) (result, *mgrError) {
	if !c.sok() {
		return userForm(nil), nil
	}
	return userCreate(c)
}
