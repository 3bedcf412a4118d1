"""What one camp-audit walk contributes to each walk-level indicator, computed from the
score rules and indicator definitions on camp_safety_audit.md, independently of both
Lantern's engine and JavaRosa.

The expected `indicator_inputs` of the walk-level indicators in
scenarios/camp_safety_audit/*.json (second edition) were produced with `site_inputs`;
the focus-group indicators were worked out by hand. `order` puts a fill's answers in
form order. Use: `python3 -c "import sys; sys.path.insert(0, 'forms/verify');
import camp_walk_expectations as c; ..."`.
"""
import json, glob, copy
D='forms/scenarios/camp_safety_audit/'
DAY_ITEMS=['perimeter','latrines_sampled','latrines_segregated','latrines_lockable','latrines_accessible','latrines_women_total','site_population','latrines_men_total','latrines_far','bathing','water_distance','shelters_lockable','shelters_shared','distribution','security','armed_actors','safe_space','gbv_services','referral','feedback','psea','collective_sleeping','committee_members','committee_women']
NIGHT_ITEMS=['lighting','latrines_lit','hotspots']
ORDER=['site','round','walk_time','site_type','site_consent','perimeter','lighting','latrines_lit','hotspots','latrines_sampled','latrines_segregated','latrines_lockable','latrines_accessible','latrines_women_total','site_population','latrines_men_total','latrines_far','bathing','water_distance','shelters_lockable','shelters_shared','distribution','security','armed_actors','safe_space','gbv_services','referral','feedback','psea','collective_sleeping','committee_members','committee_women','site_notes','focus_group','interview_status']
FG_ORDER=['fg_type','fg_guardian_consent','fg_safeguarding','fg_consent','fg_facilitator','fg_size','fg_unsafe_day','fg_unsafe_night','fg_night_very_safe','fg_night_safe','fg_night_unsafe','fg_night_very_unsafe','fg_wash_very_safe','fg_wash_safe','fg_wash_unsafe','fg_wash_very_unsafe','fg_priority_1','fg_priority_2','fg_priority_3','fg_notes']

def order(a):
    out={k:a[k] for k in ORDER if k in a}
    extra=[k for k in a if k not in out]
    assert not extra, extra
    if 'focus_group' in out:
        out['focus_group']=[{k:g[k] for k in FG_ORDER if k in g} for g in out['focus_group']]
    return out

def risk4(v,a,b,c,d): return 100 if v==a else 67 if v==b else 33 if v==c else 0
def sel(v,x): return x in (v or '').split()
def cnt(v): return len((v or '').split())

def site_inputs(a):
    """What one walk contributes to each walk-level indicator (None = not counted)."""
    ok=a.get('site_consent')=='yes'
    day=ok and a.get('walk_time')=='day'
    night=ok and a.get('walk_time')=='night'
    r={}
    has=lambda k: day and a.get(k) not in (None, '')
    r['sites_audited']= True if day else None
    r['controlled_access']= (a['perimeter']=='yes') if has('perimeter') else None
    lit=a.get('lighting')
    r['adequately_lit']= (lit in ('most','all')) if night and lit!='not_observed' else None
    hs=a.get('hotspots','')
    H=0 if sel(hs,'none') else cnt(hs)
    r['hotspots_per_site']= H if night else None
    for n in ['latrines','water','firewood','market','bush']:
        r[f'hotspot_{n}']= sel(hs,n) if night else None
    ls=a.get('latrines_sampled')
    sampled= day and ls is not None and ls>0
    r['latrines_segregated_pct']= 100*a['latrines_segregated']/ls if sampled else None
    r['latrines_lockable_pct']= 100*a['latrines_lockable']/ls if sampled else None
    ll=a.get('latrines_lit')
    r['latrines_lit']= (ll in ('most','all')) if night and ll!='not_observed' else None
    r['latrines_far']= (a['latrines_far'] in ('some','most')) if sampled else None
    b=a.get('bathing','')
    r['bathing_meets_criteria']= (sel(b,'private') and sel(b,'separated') and sel(b,'mhm')) if has('bathing') else None
    w=a.get('water_distance')
    r['water_within_500m']= (w=='within_500m') if has('water_distance') and w!='not_observed' else None
    r['shelters_lockable']= (a['shelters_lockable'] in ('most','all')) if has('shelters_lockable') else None
    sh=a.get('shelters_shared')
    r['overcrowding']= (sh=='yes') if day and sh in ('yes','no') else None
    dist=a.get('distribution','')
    S=0 if sel(dist,'none') else cnt(dist)
    r['distribution_safeguards']= S if has('distribution') and not sel(dist,'no_distribution') else None
    r['security_any']= (a['security']!='none') if has('security') else None
    r['security_women']= (a['security']=='with_women') if has('security') else None
    r['safe_space']= (a['safe_space']=='yes') if has('safe_space') else None
    r['referral_known']= (a['referral']=='known') if has('referral') else None
    fb=a.get('feedback','')
    for n in ['box','hotline','female_focal','committee']:
        r[f'feedback_{n}']= sel(fb,n) if day else None
    cm=a.get('committee_members')
    r['committee_women_pct']= 100*a['committee_women']/cm if day and cm else None
    r['latrines_accessible_pct']= 100*a['latrines_accessible']/ls if sampled else None
    if sampled and a['latrines_women_total']+a['latrines_men_total']>0:
        r['latrine_ratio_3to1']= a['latrines_women_total']>=3*a['latrines_men_total']
    else: r['latrine_ratio_3to1']=None
    if sampled and a['latrines_women_total']+a['latrines_men_total']>0:
        r['people_per_latrine']= a['site_population']/(a['latrines_women_total']+a['latrines_men_total'])
    else: r['people_per_latrine']=None
    aa=a.get('armed_actors')
    r['armed_actors_near']= (aa=='yes') if day and aa in ('yes','no') else None
    g=a.get('gbv_services','')
    for n in ['clinical','psychosocial','case_management']:
        r[f'gbv_service_{n}']= sel(g,n) if has('gbv_services') and not sel(g,'dont_know') else None
    p=a.get('psea','')
    r['psea_elements']= (0 if sel(p,'none') else cnt(p)) if has('psea') and not sel(p,'dont_know') else None
    r['collective_sleeping_segregated']= (a['collective_sleeping']=='yes') if has('collective_sleeping') and a.get('site_type')=='collective' else None
    # scores
    if night:
        sl=1 if lit!='not_observed' else 0; sll=1 if ll!='not_observed' else 0
        L=risk4(lit,'none','some','most','all'); LL=risk4(ll,'none','some','most','all')
        Hs=100 if H>=4 else 25*H
        r['risk_lighting']=(sl*L+sll*LL+Hs)/(sl+sll+1)
    else: r['risk_lighting']=None
    for k in ['risk_wash','risk_shelter','risk_security','risk_services','risk_participation']: r[k]=None
    if has('latrines_sampled'):
        def share(x): return 100-100*a[x]/ls if ls>0 else 100
        far=(100 if a['latrines_far']=='most' else 50 if a['latrines_far']=='some' else 0) if ls>0 else 100
        B=0 if (sel(b,'none') or sel(b,'no_area')) else cnt(b)
        sw=1 if w!='not_observed' else 0
        r['risk_wash']=(share('latrines_segregated')+share('latrines_lockable')+far+(100-100*B/3)+sw*(100 if w=='beyond_500m' else 0))/(4+sw)
    if has('shelters_lockable'):
        ss=1 if sh!='dont_know' else 0
        r['risk_shelter']=(risk4(a['shelters_lockable'],'none','few','most','all')+ss*(100 if sh=='yes' else 0))/(1+ss)
    if has('security'):
        sa=1 if aa!='dont_know' else 0
        sec={'none':100,'men_only':50}.get(a['security'],0)
        r['risk_security']=(sec+sa*(100 if aa=='yes' else 0))/(1+sa)
    if has('safe_space'):
        sd=0 if sel(dist,'no_distribution') else 1
        ref={'none':100,'not_known':50}.get(a['referral'],0)
        r['risk_services']=((100 if a['safe_space']=='no' else 0)+ref+sd*(100-25*S)+(100 if sel(fb,'none') else 0))/(3+sd)
    if has('committee_members') and has('feedback'):
        part=(0 if 2*a['committee_women']>=cm else 100-200*a['committee_women']/cm) if cm else 100
        r['risk_participation']=(part+(0 if (sel(fb,'female_focal') or sel(fb,'committee')) else 100))/2
    return r

