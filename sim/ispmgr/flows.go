package ispmgr

// editFlow is one "<object>.edit" function told by the parts that differ
// from object to object. Every mgr5 edit function follows the same flow,
// which run keeps in one place:
//
//   - no elid, no sok: the blank form of a new object;
//   - no elid, sok: create the object from the parameters;
//   - elid: find the object (the lookup's error if the caller may not see
//     it), then without sok its filled form, with sok the change.
//
// T is what lookup finds and hands to form and update: the stored object,
// or a record's index for domain.record.
type editFlow[T any] struct {
	// lookup finds the object elid names, or the error to answer.
	lookup func(c *call, elid string) (T, *mgrError)
	// blankForm is the form of a new object.
	blankForm func() result
	// form is the filled form of obj; elid is as the call spelled it
	// (some forms echo it rather than the object's own name).
	form func(obj T, elid string) result
	// create makes a new object from the parameters.
	create func(c *call) (result, *mgrError)
	// update changes obj from the parameters.
	update func(c *call, obj T) (result, *mgrError)
	// submitLevel, when set, is the lowest level that may create or
	// change: some functions show their forms to callers who may not
	// submit them (preset.edit to resellers, ipnet.edit to users).
	submitLevel int
}

// run answers the call. elid is in the object's normal spelling, ""
// when the call names no object.
func (f editFlow[T]) run(c *call, elid string) (result, *mgrError) {
	if elid == "" {
		if !c.sok() {
			return f.blankForm(), nil
		}
		if e := f.checkSubmit(c); e != nil {
			return nil, e
		}
		return f.create(c)
	}
	obj, e := f.lookup(c, elid)
	if e != nil {
		return nil, e
	}
	if !c.sok() {
		return f.form(obj, elid), nil
	}
	if e := f.checkSubmit(c); e != nil {
		return nil, e
	}
	return f.update(c, obj)
}

// checkSubmit refuses a create or change to a caller below submitLevel.
func (f editFlow[T]) checkSubmit(c *call) *mgrError {
	if c.user.Level < f.submitLevel {
		return accessDenied(c.fn)
	}
	return nil
}

// nameOnlyForm is the blank form of the objects whose creation form asks
// only for a name.
func nameOnlyForm() result {
	f := fieldsNode()
	f.Add("name")
	return formResult{fields: f}
}

// forEachElid is the flow of the group functions (.delete, .suspend,
// .resume): elid lists one or more objects joined by ", "; resolve checks
// each one and finds what act works on, and act runs only when every one
// resolved, so one wrong elid changes nothing and answers its error.
func forEachElid[T any](c *call, resolve func(id string) (T, *mgrError), act func(T)) (result, *mgrError) {
	elid, e := c.require("elid")
	if e != nil {
		return nil, e
	}
	var found []T
	for _, id := range splitElids(elid) {
		x, e := resolve(id)
		if e != nil {
			return nil, e
		}
		found = append(found, x)
	}
	for _, x := range found {
		act(x)
	}
	return ok()
}
