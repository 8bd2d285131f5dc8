package imserver

import (
	"encoding/json"
	"strconv"
	"strings"
)

// parseServerSpec reads add_server/update_server fields (given in json=,
// a JSON body or as CGI parameters) into a ServerSpec. Types are checked
// here; limits are the model's business.
func parseServerSpec(p params) (ServerSpec, error) {
	var s ServerSpec
	var err error
	ints := []struct {
		name string
		dst  *int
		has  *bool
	}{{"cpu", &s.CPU, &s.HasCPU}, {"cputype", &s.CPUType, &s.HasCPUType}, {"ram", &s.RAM, &s.HasRAM}}
	for _, f := range ints {
		if *f.has, err = p.present(f.name); err != nil {
			return s, err
		}
		if *f.dst, err = p.smallInt(f.name); err != nil {
			return s, err
		}
	}
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"preset", &s.Preset}, {"contract", &s.Contract}, {"template", &s.Template}} {
		if *f.dst, err = p.optInt(f.name, 0); err != nil {
			return s, err
		}
		if *f.dst < 0 {
			return s, fail(CodeBadValue, "parameter %s must be a positive id", f.name)
		}
	}
	name, has, err := p.str("server_name")
	if err != nil {
		return s, err
	}
	s.Name, s.HasNme = strings.TrimSpace(name), has
	s.HDDs, s.HasHDD, err = parseDisks(p)
	return s, err
}

// present reports whether a scalar parameter was given with a value.
func (p params) present(name string) (bool, error) {
	v, ok, err := p.str(name)
	return ok && strings.TrimSpace(v) != "", err
}

// smallInt reads an optional int that must fit comfortably in an int32.
func (p params) smallInt(name string) (int, error) {
	n, err := p.optInt(name, 0)
	if err != nil {
		return 0, err
	}
	if n < -1<<31 || n > 1<<31-1 {
		return 0, fail(CodeBadValue, "parameter %s is out of range", name)
	}
	return int(n), nil
}

// parseDisks reads hdd_list: [{"size":40,"type":"ssd"}, ...]; a bare
// number is a size on SSD, a missing type is SSD.
func parseDisks(p params) ([]Disk, bool, error) {
	items, has, err := p.list("hdd_list")
	if err != nil || !has {
		return nil, has, err
	}
	disks := make([]Disk, 0, len(items))
	for i, it := range items {
		d, err := parseDisk(it)
		if err != nil {
			return nil, true, fail(CodeBadValue, "hdd_list[%d]: %s", i, msgOf(err))
		}
		disks = append(disks, d)
	}
	return disks, true, nil
}

func parseDisk(v any) (Disk, error) {
	switch t := v.(type) {
	case json.Number, string:
		n, err := diskSize(t)
		return Disk{Size: n, Type: DiskSSD}, err
	case map[string]any:
		d := Disk{Type: DiskSSD}
		for k, val := range t {
			switch k {
			case "size":
				n, err := diskSize(val)
				if err != nil {
					return d, err
				}
				d.Size = n
			case "type":
				s, ok := val.(string)
				if !ok {
					return d, fail(CodeBadValue, "type must be a string")
				}
				d.Type = s // values are case-sensitive: "SSD" is not "ssd"
			default:
				return d, fail(CodeBadValue, "unknown field %q (want size, type)", k)
			}
		}
		if d.Size == 0 {
			return d, fail(CodeBadValue, "size is required")
		}
		return d, nil
	}
	return Disk{}, fail(CodeBadValue, "a disk is an object {size, type}")
}

func diskSize(v any) (int, error) {
	var s string
	switch t := v.(type) {
	case json.Number:
		s = t.String()
	case string:
		s = t
	default:
		return 0, fail(CodeBadValue, "size must be a number of GB")
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 || n > 1<<20 {
		return 0, fail(CodeBadValue, "size must be a number of GB, got %q", s)
	}
	return n, nil
}
