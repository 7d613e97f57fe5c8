package config

// service checks one service at p.
func (v *validator) service(s *Service, p string) {
	v.meta(p, s.Name, s.Desc, s.Labels)
	idp := field(p, "upstream_id")
	hasID := v.id(idp, s.UpstreamID, false)
	v.exclusive(p, s.Upstream != nil, hasID, "upstream", "upstream_id")
	if s.Upstream != nil {
		v.upstream(s.Upstream, field(p, "upstream"), true)
	}
	if hasID {
		if _, ok := v.upstreamIDs[s.UpstreamID]; !ok {
			v.errf(idp, "upstream %q not found", s.UpstreamID)
		}
	}
	v.list(field(p, "hosts"), s.Hosts, true, matchHost)
	v.plugins(p, s.Plugins)
}
