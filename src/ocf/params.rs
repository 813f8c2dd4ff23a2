//! The resource's parameters: `OCF_RESKEY_NAME` for each declared
//! parameter, typed, with its default (OCF RA API 1.0 §3.2).

/// A parameter's type in meta-data (`<content type=…>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    String,
    Integer,
    Boolean,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::Integer => "integer",
            Kind::Boolean => "boolean",
        }
    }
}

/// Where a default comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Default {
    None,
    Value(&'static str),
    /// The resource's name (OCF_RESOURCE_INSTANCE, letters and digits only).
    Instance,
}

/// One declared parameter.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub unique: bool,
    pub default: Default,
    pub shortdesc: &'static str,
    pub longdesc: &'static str,
    /// Integers: the accepted range.
    pub range: (i64, i64),
}

impl Param {
    /// A string parameter without default.
    pub const fn string(
        name: &'static str,
        shortdesc: &'static str,
        longdesc: &'static str,
    ) -> Param {
        Param {
            name,
            kind: Kind::String,
            required: false,
            unique: false,
            default: Default::None,
            shortdesc,
            longdesc,
            range: (0, 0),
        }
    }

    pub const fn integer(
        name: &'static str,
        default: &'static str,
        range: (i64, i64),
        shortdesc: &'static str,
        longdesc: &'static str,
    ) -> Param {
        Param {
            kind: Kind::Integer,
            default: Default::Value(default),
            range,
            ..Param::string(name, shortdesc, longdesc)
        }
    }

    pub const fn boolean(
        name: &'static str,
        default: &'static str,
        shortdesc: &'static str,
        longdesc: &'static str,
    ) -> Param {
        Param {
            kind: Kind::Boolean,
            default: Default::Value(default),
            ..Param::string(name, shortdesc, longdesc)
        }
    }

    pub const fn required(mut self) -> Param {
        self.required = true;
        self
    }

    pub const fn unique(mut self) -> Param {
        self.unique = true;
        self
    }

    pub const fn default(mut self, d: Default) -> Param {
        self.default = d;
        self
    }
}

/// The fail_fast parameter every agent has.
pub const FAIL_FAST: Param = Param::boolean(
    "fail_fast",
    "true",
    "Tell the cluster at once when the monitor declares a failure",
    "When true, the monitor calls crm_resource --fail for this resource on \
     this node the moment it declares its service failed, so that recovery \
     starts at once instead of at the next monitor operation.",
);

/// The parameters of one resource instance, every declared one resolved.
#[derive(Debug, Clone)]
pub struct Params {
    values: Vec<(&'static str, Option<String>)>,
}

impl Params {
    /// Reads `OCF_RESKEY_*` for `decl`; the first wrong one is the error.
    pub fn from_env(decl: &[Param], instance: &str) -> Result<Params, String> {
        let mut values = Vec::with_capacity(decl.len());
        for p in decl {
            let given = std::env::var(format!("OCF_RESKEY_{}", p.name))
                .ok()
                .filter(|v| !v.is_empty());
            let v = match (given, p.default) {
                (Some(v), _) => Some(v),
                (None, Default::Value(d)) => Some(d.to_string()),
                (None, Default::Instance) => Some(instance_id(instance)),
                (None, Default::None) => None,
            };
            match &v {
                None if p.required => {
                    return Err(format!("parameter {} is required", p.name));
                }
                Some(v) => check(p, v)?,
                None => {}
            }
            values.push((p.name, v));
        }
        Ok(Params { values })
    }

    /// A parameter's value (given or default).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.as_deref())
    }

    /// A required or defaulted parameter.
    pub fn must(&self, name: &str) -> &str {
        self.get(name).unwrap_or_default()
    }

    /// An integer parameter (checked by `from_env`).
    pub fn int(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(|v| v.parse().ok())
    }

    /// A boolean parameter (checked by `from_env`).
    pub fn flag(&self, name: &str) -> bool {
        self.get(name).is_some_and(|v| truth(v) == Some(true))
    }
}

/// Pacemaker's booleans (crm_is_true).
fn truth(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "y" | "1" => Some(true),
        "false" | "no" | "off" | "n" | "0" => Some(false),
        _ => None,
    }
}

fn check(p: &Param, v: &str) -> Result<(), String> {
    match p.kind {
        Kind::String => Ok(()),
        Kind::Boolean => truth(v)
            .map(|_| ())
            .ok_or_else(|| format!("parameter {}={v:?}: not a boolean (true or false)", p.name)),
        Kind::Integer => match v.parse::<i64>() {
            Ok(n) if (p.range.0..=p.range.1).contains(&n) => Ok(()),
            _ => Err(format!(
                "parameter {}={v:?}: not an integer from {} to {}",
                p.name, p.range.0, p.range.1
            )),
        },
    }
}

/// The resource name as a monitor ID or nametag: a clone's `:N` and any
/// other character but letters and digits dropped.
pub fn instance_id(instance: &str) -> String {
    let base = instance.split(':').next().unwrap_or(instance);
    base.chars().filter(char::is_ascii_alphanumeric).collect()
}
