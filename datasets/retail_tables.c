/*
 * The lookup tables of the retail generator: countries (share, name origins, phone plan,
 * cities, local e-mail domains), first and last names by region, e-mail domains, interests.
 *
 * Sources are constant strings "Text:weight|Text:weight|..." (weights are relative
 * frequencies) or "A|B|C" for Zipf-like lists, where entry i (0-based) gets weight
 * 100000 / (i + 2) (Zipf-Mandelbrot, exponent 1, offset 1). They are parsed once, on first
 * use, into struct retail_list with integer cumulative weights, so every build and every
 * thread draws from identical tables. Names also get an e-mail form: lower-case ASCII,
 * accents folded (José -> jose, Łukasz -> lukasz, Ærø -> aero), apostrophes, spaces and
 * hyphens dropped, anything after a comma cut ("Smith, Jr." -> smith). Shares are
 * documented in datasets/README.md.
 */
#include "retail_gen_internal.h"

#include <assert.h>
#include <pthread.h>
#include <string.h>

/* ---- Names by region ---------------------------------------------------------------- */

struct region_source {
    const char *female;
    const char *male;
    const char *last;
};

/* clang-format off */
static const struct region_source region_sources[RETAIL_REGION_COUNT] = {
    [RETAIL_REGION_ENGLISH] = {
        "Olivia:100|Emma:95|Charlotte:80|Amelia:75|Sophia:75|Mia:70|Isabella:70|Ava:68|"
        "Emily:65|Jessica:60|Sarah:60|Ashley:55|Jennifer:55|Mary:50|Elizabeth:50|Madison:45|"
        "Chloe:45|Grace:40|Hannah:40|Lily:38|Lauren:32|Megan:30|Rachel:30|Patricia:30|"
        "Linda:30|Karen:28|Nancy:22|Zoë:20|Niamh:8|Siobhan:6",
        "James:100|John:95|Michael:90|Robert:85|William:80|David:80|Joseph:60|Thomas:60|"
        "Daniel:60|Richard:55|Christopher:55|Matthew:55|Liam:55|Oliver:55|Noah:50|"
        "Anthony:45|Andrew:45|Ethan:45|Jack:45|Mark:40|Joshua:40|Benjamin:40|Harry:35|"
        "Lucas:35|Ryan:35|Kevin:30|Brian:28|Tyler:22|Connor:20|Seán:6",
        "Smith:100|Johnson:82|Williams:70|Brown:65|Jones:64|Miller:50|Davis:48|Wilson:40|"
        "Taylor:38|Anderson:35|Thomas:33|Moore:30|Jackson:30|Martin:30|Lee:30|Thompson:28|"
        "White:28|Harris:26|Clark:24|Lewis:24|Robinson:23|Walker:23|Young:20|Allen:20|"
        "King:20|Wright:20|Scott:18|Hill:18|Green:18|Baker:16|Adams:16|Nelson:15|"
        "Campbell:15|Evans:15|Murphy:14|Kelly:12|Nguyen:12|O'Brien:10|McDonald:10|Patel:10|"
        "O'Connor:8|Smith, Jr.:3|Johnson, Jr.:2|Brown, III:1",
    },
    [RETAIL_REGION_GERMAN] = {
        "Emma:60|Anna:60|Mia:55|Maria:50|Sophie:50|Hannah:50|Lena:45|Julia:45|Lea:40|"
        "Laura:40|Katharina:35|Lisa:35|Sabine:30|Petra:25|Jana:25|Ursula:20|Greta:20|"
        "Annika:20|Frieda:15|Lotte:10|Zoë:5",
        "Lukas:60|Leon:55|Maximilian:50|Felix:50|Paul:45|Jonas:45|Michael:45|Finn:40|"
        "Elias:40|Thomas:40|Andreas:35|Stefan:35|Sebastian:35|Matthias:30|Tobias:30|"
        "Florian:30|Jürgen:20|Klaus:20|Uwe:15|Jörg:15",
        "Müller:100|Schmidt:85|Schneider:60|Fischer:55|Weber:50|Meyer:50|Wagner:45|"
        "Becker:40|Schulz:40|Hoffmann:38|Schäfer:30|Koch:30|Bauer:30|Richter:28|Klein:28|"
        "Wolf:25|Schröder:25|Neumann:24|Schwarz:22|Zimmermann:22|Braun:20|Krüger:20|"
        "Hofmann:18|Hartmann:18|Lange:16|Schmitt:16|Werner:16|Krause:15|Meier:14|"
        "Lehmann:14|Weiß:12|Groß:10",
    },
    [RETAIL_REGION_FRENCH] = {
        "Marie:80|Camille:60|Léa:55|Emma:55|Manon:50|Chloé:50|Louise:45|Inès:40|Jade:40|"
        "Sarah:35|Juliette:35|Nathalie:30|Isabelle:30|Sophie:30|Clémence:25|Océane:20|"
        "Élise:20|Anaïs:18|Zoé:15|Maëlle:12",
        "Jean:70|Pierre:60|Louis:55|Gabriel:50|Lucas:50|Hugo:45|Arthur:45|Jules:40|"
        "Thomas:40|Nicolas:40|Julien:35|Antoine:35|Léo:35|Mathieu:30|François:30|Théo:30|"
        "Raphaël:25|Jérôme:18|Rémi:15|Benoît:12",
        "Martin:100|Bernard:60|Dubois:55|Thomas:55|Robert:50|Richard:45|Petit:45|"
        "Durand:40|Leroy:38|Moreau:38|Simon:35|Laurent:35|Lefèvre:30|Michel:30|Garcia:28|"
        "David:25|Bertrand:25|Roux:24|Vincent:22|Fournier:22|Girard:20|Bonnet:18|"
        "Lambert:18|Fontaine:15|Rousseau:15|Chevalier:12|D'Aubigné:2",
    },
    [RETAIL_REGION_SPANISH] = {
        "María:100|Carmen:60|Ana:55|Lucía:50|Sofía:50|Laura:45|Isabel:40|Valentina:40|"
        "Camila:40|Paula:35|Elena:35|Daniela:35|Andrea:35|Marta:30|Gabriela:30|Mariana:30|"
        "Fernanda:25|Guadalupe:20|Rocío:18|Ximena:15",
        "José:100|Juan:80|Antonio:70|Carlos:60|Francisco:55|Luis:55|Manuel:50|Miguel:50|"
        "Javier:45|Alejandro:45|Diego:40|Santiago:40|Mateo:35|Pablo:35|Jorge:35|Sergio:30|"
        "Andrés:30|Fernando:30|Raúl:25|Álvaro:20",
        "García:100|Rodríguez:90|González:85|López:75|Martínez:75|Fernández:70|"
        "Sánchez:70|Pérez:65|Gómez:50|Hernández:50|Martín:45|Jiménez:40|Díaz:40|"
        "Moreno:35|Álvarez:35|Muñoz:30|Romero:30|Ramírez:30|Torres:30|Ruiz:30|Flores:28|"
        "Núñez:20|Castro:20|Ortiz:20|Vargas:18",
    },
    [RETAIL_REGION_PORTUGUESE] = {
        "Maria:100|Ana:70|Júlia:45|Beatriz:40|Mariana:40|Camila:35|Gabriela:35|Fernanda:30|"
        "Inês:30|Carolina:30|Sofia:30|Larissa:25|Letícia:25|Leonor:20|Francisca:20|Luana:15",
        "João:100|José:80|Pedro:60|Lucas:55|Gabriel:55|Rafael:45|Miguel:40|Tiago:35|"
        "Rodrigo:35|Felipe:35|Bruno:35|Mateus:30|Thiago:30|André:30|Gonçalo:20|Vítor:15",
        "Silva:100|Santos:80|Oliveira:70|Souza:60|Pereira:55|Costa:50|Rodrigues:50|"
        "Almeida:40|Ferreira:40|Lima:35|Carvalho:35|Gomes:35|Nascimento:30|Ribeiro:30|"
        "Martins:30|Sousa:30|Gonçalves:28|Araújo:25|Conceição:12|Magalhães:12",
    },
    [RETAIL_REGION_ITALIAN] = {
        "Giulia:80|Sofia:70|Aurora:50|Alice:50|Francesca:50|Emma:45|Martina:45|Chiara:45|"
        "Giorgia:40|Sara:40|Valentina:40|Ginevra:35|Alessia:35|Elena:35|Federica:25|"
        "Beatrice:25",
        "Francesco:80|Leonardo:70|Alessandro:70|Lorenzo:60|Andrea:55|Mattia:50|Marco:50|"
        "Luca:50|Gabriele:45|Giuseppe:45|Giovanni:45|Matteo:45|Riccardo:40|Tommaso:40|"
        "Edoardo:35|Niccolò:15",
        "Rossi:100|Russo:80|Ferrari:70|Esposito:65|Bianchi:55|Romano:50|Colombo:45|"
        "Ricci:40|Marino:38|Greco:35|Bruno:34|Gallo:33|Conti:32|De Luca:30|Mancini:28|"
        "Costa:27|Giordano:26|Rizzo:25|Lombardi:24|Moretti:22|Caruso:15|D'Angelo:10|"
        "Fabbri:10",
    },
    [RETAIL_REGION_DUTCH] = {
        "Emma:60|Julia:55|Sophie:50|Tess:45|Zoë:40|Anna:40|Eva:40|Sara:35|Lotte:35|Noor:35|"
        "Fleur:30|Sanne:30|Lieke:25|Femke:25|Anouk:25|Saar:25",
        "Daan:60|Noah:55|Sem:50|Lucas:45|Finn:40|Levi:40|Jan:40|Bram:35|Thijs:30|Jesse:30|"
        "Ruben:30|Lars:30|Sven:25|Pieter:25|Joost:20|Willem:20",
        "de Jong:100|Jansen:90|de Vries:85|van den Berg:70|van Dijk:65|Bakker:60|"
        "Janssen:55|Visser:50|Smit:45|Meijer:45|de Boer:40|Mulder:38|de Groot:37|Bos:35|"
        "Vos:33|Peters:32|Hendriks:30|van Leeuwen:28|Dekker:25|Brouwer:22|van 't Hof:5",
    },
    [RETAIL_REGION_NORDIC] = {
        "Maja:50|Emma:45|Alice:40|Elsa:40|Ida:40|Nora:40|Astrid:35|Freja:35|Sofie:35|"
        "Ingrid:30|Saga:30|Karin:30|Siri:25|Åsa:20|Linnéa:20|Aino:20|Anja:20|Sigríður:8",
        "Lars:50|Erik:50|Anders:45|Johan:40|Mikael:35|Magnus:35|Oskar:35|Emil:35|Søren:30|"
        "William:30|Henrik:30|Jens:25|Nils:25|Bjørn:20|Ole:20|Juha:15|Mika:15|Håkon:15|"
        "Jón:10",
        "Andersson:70|Johansson:70|Karlsson:60|Nilsson:60|Hansen:60|Jensen:60|Nielsen:55|"
        "Eriksson:50|Pedersen:45|Olsen:40|Larsen:40|Johansen:35|Korhonen:25|Virtanen:25|"
        "Sørensen:25|Mäkinen:20|Nieminen:18|Lindqvist:15|Bergström:15|Jónsson:8|Åberg:8|"
        "Öberg:8|Ærø:3",
    },
    [RETAIL_REGION_CENTRAL_EUROPE] = {
        "Anna:60|Julia:40|Zuzanna:35|Zofia:35|Katarzyna:35|Maja:30|Agnieszka:30|Jana:30|"
        "Małgorzata:25|Eva:25|Tereza:25|Petra:20|Ioana:20|Elena:20|Eszter:15|Zsófia:15|"
        "Andreea:15",
        "Jakub:50|Jan:50|Piotr:40|Łukasz:35|Tomasz:35|Krzysztof:30|Michał:30|Paweł:25|"
        "Tomáš:25|Petr:25|Andrei:25|Jiří:20|Alexandru:20|Mihai:20|László:15|Bence:12|"
        "Ștefan:10",
        "Nowak:70|Kowalski:55|Wiśniewski:40|Wójcik:35|Novák:35|Kowalczyk:33|Kamiński:30|"
        "Lewandowski:30|Nagy:30|Popescu:30|Zieliński:25|Svoboda:25|Kovács:25|Dvořák:22|"
        "Tóth:20|Popa:20|Woźniak:20|Ionescu:18|Horváth:18|Szabó:15",
    },
    [RETAIL_REGION_EAST_ASIA] = {
        "Yui:30|Sakura:30|Hina:30|Yuna:25|Aoi:25|Ji-woo:25|Seo-yeon:25|Mei:25|Min-ji:20|"
        "Yuki:20|Xin Yi:12|Hui Min:10",
        "Haruto:30|Sota:25|Yuto:25|Ren:25|Min-jun:25|Wei:25|Seo-jun:20|Ji-hoon:20|Kenji:20|"
        "Hiroshi:20|Hao:15|Jun Jie:15",
        "Kim:50|Lee:45|Wang:40|Li:40|Park:35|Zhang:35|Sato:30|Suzuki:30|Chen:30|Tan:30|"
        "Wong:30|Chan:30|Takahashi:25|Tanaka:25|Choi:25|Lim:25|Watanabe:20|Ng:20",
    },
    [RETAIL_REGION_SOUTH_ASIA] = {
        "Priya:40|Ananya:30|Diya:25|Aditi:25|Kavya:25|Saanvi:25|Isha:20|Pooja:20|Neha:20|"
        "Lakshmi:15",
        "Arjun:40|Rahul:35|Aarav:30|Vihaan:25|Rohan:25|Aditya:25|Vikram:20|Sanjay:20|"
        "Amit:20|Karthik:15",
        "Sharma:40|Singh:45|Kumar:40|Patel:35|Gupta:30|Reddy:25|Shah:20|Mehta:18|Iyer:15|"
        "Nair:15|Das:15|Joshi:15",
    },
    [RETAIL_REGION_MIDDLE_EAST] = {
        "Fatima:40|Zeynep:35|Aisha:35|Maria:30|Eleni:30|Elif:30|Noa:30|Mariam:30|"
        "Katerina:25|Ayşe:25|Tamar:25|Layla:25|Noor:25|Yael:20",
        "Mohammed:50|Ahmed:40|Mehmet:35|Ali:35|Georgios:30|Mustafa:30|Ahmet:30|Omar:30|"
        "Dimitrios:25|Nikolaos:25|Yosef:25|David:25|Yusuf:25|Noam:20|Khalid:20",
        "Yılmaz:40|Cohen:35|Papadopoulos:30|Kaya:30|Demir:30|Levi:30|Hassan:30|Şahin:25|"
        "Çelik:25|Ibrahim:25|Mizrahi:20|Al Mansouri:20|Haddad:20|Khalil:20|Papadakis:15|"
        "Georgiou:15|Peretz:15|Al Hashimi:15",
    },
};

/* ---- Countries ---------------------------------------------------------------------- */

struct country_source {
    const char *code;
    uint32_t weight; /* per 10,000 profiles */
    enum retail_region primary_region;
    enum retail_region secondary_region;
    uint32_t secondary_per_mille;
    const char *calling_code;
    const char *phone_prefixes; /* national mobile prefixes, uniform */
    uint8_t phone_digits;       /* random digits after the prefix */
    const char *cities;         /* Zipf: most populous first */
    const char *local_domains;  /* Zipf; "" when none */
};

#define R(name) RETAIL_REGION_##name
static const struct country_source country_sources[] = {
    {"US", 4000, R(ENGLISH), R(SPANISH), 140, "1",
     "212|213|305|310|312|404|415|469|512|602|617|646|702|713|718|720|786|818|832|917",
     7,
     "New York|Los Angeles|Chicago|Houston|Phoenix|Philadelphia|San Antonio|San Diego|"
     "Dallas|Austin|San Jose|Jacksonville|Columbus|Charlotte|Seattle|Denver|"
     "Washington, D.C.|Boston|Nashville|Portland|Las Vegas|Atlanta|Miami|Minneapolis|"
     "Detroit|Honolulu|Anchorage|Coeur d'Alene",
     "comcast.net|att.net|verizon.net"},
    {"GB", 900, R(ENGLISH), R(SOUTH_ASIA), 60, "44", "71|73|74|75|77|78|79", 8,
     "London|Manchester|Birmingham|Leeds|Glasgow|Liverpool|Bristol|Edinburgh|Sheffield|"
     "Cardiff|Belfast|Newcastle upon Tyne|Nottingham|Leicester|Brighton",
     "btinternet.com|yahoo.co.uk|sky.com"},
    {"DE", 800, R(GERMAN), R(MIDDLE_EAST), 40, "49",
     "151|152|157|160|162|170|171|172|173|174|175|176|177|178|179", 8,
     "Berlin|Hamburg|München|Köln|Frankfurt am Main|Stuttgart|Düsseldorf|Leipzig|"
     "Dortmund|Essen|Bremen|Dresden|Hannover|Nürnberg",
     "gmx.de|web.de|t-online.de"},
    {"FR", 600, R(FRENCH), R(MIDDLE_EAST), 30, "33", "6|7", 8,
     "Paris|Marseille|Lyon|Toulouse|Nice|Nantes|Strasbourg|Montpellier|Bordeaux|Lille|"
     "Rennes|Reims|Le Havre|Saint-Étienne",
     "orange.fr|free.fr|laposte.net|sfr.fr"},
    {"CA", 500, R(ENGLISH), R(FRENCH), 220, "1", "416|438|403|514|587|604|613|647|778|780",
     7,
     "Toronto|Montréal|Vancouver|Calgary|Edmonton|Ottawa|Winnipeg|Québec|Hamilton|"
     "Halifax|Victoria",
     "rogers.com|shaw.ca|videotron.ca"},
    {"AU", 350, R(ENGLISH), R(EAST_ASIA), 60, "61", "4", 8,
     "Sydney|Melbourne|Brisbane|Perth|Adelaide|Gold Coast|Canberra|Newcastle|Hobart|"
     "Darwin",
     "bigpond.com|optusnet.com.au"},
    {"ES", 300, R(SPANISH), R(SPANISH), 0, "34", "6|7", 8,
     "Madrid|Barcelona|Valencia|Sevilla|Zaragoza|Málaga|Murcia|Palma|Bilbao|Alicante|"
     "Córdoba|A Coruña",
     "telefonica.net|yahoo.es"},
    {"IT", 280, R(ITALIAN), R(ITALIAN), 0, "39", "320|328|333|338|340|347|348|349|366|380",
     7,
     "Roma|Milano|Napoli|Torino|Palermo|Genova|Bologna|Firenze|Bari|Catania|Venezia|"
     "Verona",
     "libero.it|virgilio.it|alice.it"},
    {"NL", 250, R(DUTCH), R(MIDDLE_EAST), 40, "31", "6", 8,
     "Amsterdam|Rotterdam|Den Haag|Utrecht|Eindhoven|Groningen|Tilburg|Almere|Breda|"
     "Nijmegen|'s-Hertogenbosch",
     "ziggo.nl|kpnmail.nl|hetnet.nl"},
    {"BR", 230, R(PORTUGUESE), R(PORTUGUESE), 0, "55", "119|219|319|419|519|619|719|819",
     8,
     "São Paulo|Rio de Janeiro|Brasília|Salvador|Fortaleza|Belo Horizonte|Manaus|"
     "Curitiba|Recife|Porto Alegre|Goiânia|Belém",
     "uol.com.br|bol.com.br|terra.com.br"},
    {"MX", 200, R(SPANISH), R(SPANISH), 0, "52", "55|33|81|222|664|998", 8,
     "Ciudad de México|Guadalajara|Monterrey|Puebla|Tijuana|León|Juárez|Zapopan|Mérida|"
     "Cancún|Querétaro",
     "prodigy.net.mx|yahoo.com.mx"},
    {"SE", 150, R(NORDIC), R(MIDDLE_EAST), 50, "46", "70|72|73|76|79", 7,
     "Stockholm|Göteborg|Malmö|Uppsala|Västerås|Örebro|Linköping|Helsingborg|Umeå",
     "telia.com|bredband.net"},
    {"PL", 150, R(CENTRAL_EUROPE), R(CENTRAL_EUROPE), 0, "48", "5|6|7|8", 8,
     "Warszawa|Kraków|Łódź|Wrocław|Poznań|Gdańsk|Szczecin|Bydgoszcz|Lublin|Katowice",
     "wp.pl|onet.pl|interia.pl"},
    {"BE", 120, R(DUTCH), R(FRENCH), 420, "32", "47|48|49", 7,
     "Bruxelles|Antwerpen|Gent|Charleroi|Liège|Brugge|Namur|Leuven|Mons",
     "skynet.be|telenet.be"},
    {"CH", 120, R(GERMAN), R(FRENCH), 250, "41", "75|76|77|78|79", 7,
     "Zürich|Genève|Basel|Lausanne|Bern|Winterthur|Luzern|St. Gallen|Lugano",
     "bluewin.ch|gmx.ch"},
    {"AT", 100, R(GERMAN), R(CENTRAL_EUROPE), 60, "43", "650|660|664|676|680|699", 7,
     "Wien|Graz|Linz|Salzburg|Innsbruck|Klagenfurt|Villach", "gmx.at|aon.at"},
    {"IE", 100, R(ENGLISH), R(CENTRAL_EUROPE), 50, "353", "83|85|86|87|89", 7,
     "Dublin|Cork|Limerick|Galway|Waterford|Drogheda|Kilkenny", "eircom.net"},
    {"JP", 100, R(EAST_ASIA), R(EAST_ASIA), 0, "81", "70|80|90", 8,
     "Tokyo|Yokohama|Osaka|Nagoya|Sapporo|Fukuoka|Kobe|Kyoto|Kawasaki|Saitama|Hiroshima|"
     "Sendai",
     "docomo.ne.jp|yahoo.co.jp|ezweb.ne.jp"},
    {"IN", 100, R(SOUTH_ASIA), R(SOUTH_ASIA), 0, "91", "6|7|8|9", 9,
     "Mumbai|Delhi|Bengaluru|Hyderabad|Ahmedabad|Chennai|Kolkata|Pune|Jaipur|Surat|"
     "Lucknow",
     "rediffmail.com|yahoo.co.in"},
    {"PT", 80, R(PORTUGUESE), R(PORTUGUESE), 0, "351", "91|92|93|96", 7,
     "Lisboa|Porto|Braga|Coimbra|Funchal|Setúbal|Aveiro|Faro|Évora", "sapo.pt|clix.pt"},
    {"DK", 80, R(NORDIC), R(MIDDLE_EAST), 40, "45", "2|3|4|5|6|7|8|9", 7,
     "København|Aarhus|Odense|Aalborg|Esbjerg|Randers|Kolding|Ærøskøbing",
     "jubii.dk|mail.dk"},
    {"NO", 80, R(NORDIC), R(NORDIC), 0, "47", "4|9", 7,
     "Oslo|Bergen|Trondheim|Stavanger|Drammen|Kristiansand|Tromsø|Bodø",
     "online.no|start.no"},
    {"FI", 60, R(NORDIC), R(NORDIC), 0, "358", "40|41|44|45|46|50", 7,
     "Helsinki|Espoo|Tampere|Vantaa|Oulu|Turku|Jyväskylä|Lahti", "suomi24.fi|elisanet.fi"},
    {"NZ", 60, R(ENGLISH), R(EAST_ASIA), 80, "64", "21|22|27", 7,
     "Auckland|Wellington|Christchurch|Hamilton|Tauranga|Dunedin|Napier",
     "xtra.co.nz"},
    {"AR", 50, R(SPANISH), R(ITALIAN), 150, "54", "911|9351|9341|9261", 7,
     "Buenos Aires|Córdoba|Rosario|Mendoza|La Plata|Mar del Plata|Salta|Tucumán",
     "fibertel.com.ar|yahoo.com.ar"},
    {"CO", 40, R(SPANISH), R(SPANISH), 0, "57", "300|301|310|311|312|313|315|320", 7,
     "Bogotá|Medellín|Cali|Barranquilla|Cartagena|Bucaramanga|Pereira", ""},
    {"CZ", 40, R(CENTRAL_EUROPE), R(CENTRAL_EUROPE), 0, "420", "60|72|73|77", 7,
     "Praha|Brno|Ostrava|Plzeň|Liberec|Olomouc|České Budějovice", "seznam.cz|email.cz"},
    {"SG", 40, R(EAST_ASIA), R(ENGLISH), 300, "65", "8|9", 7, "Singapore", "singnet.com.sg"},
    {"ZA", 40, R(ENGLISH), R(ENGLISH), 0, "27", "60|71|72|73|74|76|78|79|82|83|84", 7,
     "Johannesburg|Cape Town|Durban|Pretoria|Port Elizabeth|Bloemfontein|East London",
     "mweb.co.za|telkomsa.net"},
    {"KR", 40, R(EAST_ASIA), R(EAST_ASIA), 0, "82", "10", 8,
     "Seoul|Busan|Incheon|Daegu|Daejeon|Gwangju|Suwon|Ulsan", "naver.com|daum.net"},
    {"CL", 30, R(SPANISH), R(SPANISH), 0, "56", "9", 8,
     "Santiago|Valparaíso|Concepción|La Serena|Antofagasta|Temuco|Viña del Mar", ""},
    {"AE", 30, R(MIDDLE_EAST), R(SOUTH_ASIA), 350, "971", "50|52|54|55|56|58", 7,
     "Dubai|Abu Dhabi|Sharjah|Al Ain|Ajman", "emirates.net.ae"},
    {"IL", 30, R(MIDDLE_EAST), R(MIDDLE_EAST), 0, "972", "50|52|53|54|58", 7,
     "Tel Aviv|Jerusalem|Haifa|Rishon LeZion|Petah Tikva|Be'er Sheva|Netanya",
     "walla.co.il|bezeqint.net"},
    {"GR", 30, R(MIDDLE_EAST), R(MIDDLE_EAST), 0, "30", "69", 8,
     "Athens|Thessaloniki|Patras|Heraklion|Larissa|Volos", "otenet.gr"},
    {"HU", 30, R(CENTRAL_EUROPE), R(CENTRAL_EUROPE), 0, "36", "20|30|70", 7,
     "Budapest|Debrecen|Szeged|Miskolc|Pécs|Győr", "freemail.hu|citromail.hu"},
    {"RO", 30, R(CENTRAL_EUROPE), R(CENTRAL_EUROPE), 0, "40", "72|74|75|76|78", 7,
     "București|Cluj-Napoca|Timișoara|Iași|Constanța|Craiova|Brașov", "yahoo.ro"},
    {"TR", 30, R(MIDDLE_EAST), R(MIDDLE_EAST), 0, "90",
     "505|506|507|530|532|533|535|541|542|555", 7,
     "İstanbul|Ankara|İzmir|Bursa|Antalya|Adana|Konya", "mynet.com|ttmail.com"},
    {"HK", 20, R(EAST_ASIA), R(ENGLISH), 150, "852", "5|6|9", 7, "Hong Kong|Kowloon",
     "netvigator.com"},
    {"IS", 10, R(NORDIC), R(NORDIC), 0, "354", "6|7|8", 6,
     "Reykjavík|Kópavogur|Hafnarfjörður|Akureyri", "simnet.is"},
    {"LU", 10, R(FRENCH), R(GERMAN), 400, "352", "621|661|691", 6,
     "Luxembourg|Esch-sur-Alzette|Differdange|Dudelange", "pt.lu"},
};
#undef R
/* clang-format on */

static_assert(sizeof country_sources / sizeof country_sources[0] <= RETAIL_COUNTRIES_MAX,
              "the country table fits in struct retail_tables");
static_assert(RETAIL_COUNTRIES_MAX <= RETAIL_LIST_ENTRIES_MAX, "countries fit in a pick list");

/* ---- E-mail domains and interests --------------------------------------------------- */

static const char global_domain_source[] =
    "gmail.com:400|yahoo.com:120|hotmail.com:100|outlook.com:100|icloud.com:80|"
    "live.com:30|aol.com:20|protonmail.com:10|msn.com:10";

/* "name:female weight:male weight"; other and unknown genders use the mean. */
static const char interest_source[] =
    "travel:90:80|cooking:85:55|fitness:70:75|fashion:95:35|electronics:40:95|"
    "running:55:65|outdoor:45:65|music:55:55|books:70:40|movies:50:55|beauty:95:10|"
    "yoga:80:15|gaming:25:85|home_decor:70:25|coffee:45:40|skincare:75:10|pets:50:35|"
    "hiking:35:45|photography:30:45|sneakers:20:55|gardening:40:30|cycling:20:45|"
    "wine:35:35|kids:45:25|diy:15:45|camping:20:35|tennis:20:25|golf:8:35|"
    "swimming:20:20|art:30:15";

/* ---- Building ----------------------------------------------------------------------- */

enum list_weighting { WEIGHTING_EXPLICIT, WEIGHTING_ZIPF, WEIGHTING_UNIFORM };

/* Transliteration of the non-ASCII letters the tables use, for e-mail forms. */
/* clang-format off */
static const struct {
    uint32_t code_point;
    const char *ascii;
} fold_table[] = {
    {0xC0, "a"},   {0xC1, "a"},   {0xC2, "a"},   {0xC4, "a"},   {0xC5, "a"},   {0xC6, "ae"},
    {0xC7, "c"},   {0xC8, "e"},   {0xC9, "e"},   {0xCA, "e"},   {0xCB, "e"},   {0xCD, "i"},
    {0xD1, "n"},   {0xD3, "o"},   {0xD4, "o"},   {0xD6, "o"},   {0xD8, "o"},   {0xDA, "u"},
    {0xDC, "u"},   {0xDF, "ss"},  {0xE0, "a"},   {0xE1, "a"},   {0xE2, "a"},   {0xE3, "a"},
    {0xE4, "a"},   {0xE5, "a"},   {0xE6, "ae"},  {0xE7, "c"},   {0xE8, "e"},   {0xE9, "e"},
    {0xEA, "e"},   {0xEB, "e"},   {0xEC, "i"},   {0xED, "i"},   {0xEE, "i"},   {0xEF, "i"},
    {0xF0, "d"},   {0xF1, "n"},   {0xF2, "o"},   {0xF3, "o"},   {0xF4, "o"},   {0xF5, "o"},
    {0xF6, "o"},   {0xF8, "o"},   {0xF9, "u"},   {0xFA, "u"},   {0xFB, "u"},   {0xFC, "u"},
    {0xFD, "y"},   {0x103, "a"},  {0x105, "a"},  {0x107, "c"},  {0x10D, "c"},  {0x119, "e"},
    {0x11B, "e"},  {0x11F, "g"},  {0x130, "i"},  {0x131, "i"},  {0x141, "l"},  {0x142, "l"},
    {0x144, "n"},  {0x151, "o"},  {0x159, "r"},  {0x15B, "s"},  {0x15E, "s"},  {0x15F, "s"},
    {0x161, "s"},  {0x16F, "u"},  {0x171, "u"},  {0x17A, "z"},  {0x17C, "z"},  {0x17E, "z"},
    {0x218, "s"},  {0x219, "s"},  {0x21A, "t"},  {0x21B, "t"},
};
/* clang-format on */

static const char *fold_code_point(uint32_t code_point)
{
    for (size_t i = 0; i < sizeof fold_table / sizeof fold_table[0]; i++) {
        if (fold_table[i].code_point == code_point) return fold_table[i].ascii;
    }
    return NULL;
}

/* Fills entry->email_form from entry->text (see the file comment). */
static void entry_fold_email_form(struct retail_entry *entry)
{
    const unsigned char *text = (const unsigned char *)entry->text;
    size_t size = 0;
    for (size_t i = 0; i < entry->size && text[i] != ',';) {
        unsigned char c = text[i];
        const char *ascii = NULL;
        char letter[2] = {0, 0};
        if (c < 0x80) {
            i++;
            if (c >= 'A' && c <= 'Z')
                letter[0] = (char)(c - 'A' + 'a');
            else if (c >= 'a' && c <= 'z')
                letter[0] = (char)c;
            else
                continue; /* apostrophe, space, hyphen, period */
            ascii = letter;
        } else {
            /* The tables hold two-byte sequences only (U+0080..U+07FF). */
            assert((c & 0xE0) == 0xC0 && i + 1 < entry->size);
            uint32_t code_point = ((uint32_t)(c & 0x1F) << 6) | (text[i + 1] & 0x3F);
            i += 2;
            ascii = fold_code_point(code_point);
            assert(ascii != NULL && "a letter in the name tables lacks a transliteration");
        }
        size_t ascii_size = strlen(ascii);
        assert(size + ascii_size <= RETAIL_STRING_SIZE_MAX);
        memcpy(entry->email_form + size, ascii, ascii_size);
        size += ascii_size;
    }
    assert(size > 0 && "a name has an empty e-mail form");
    entry->email_form_size = (uint8_t)size;
}

/* Parses "A:1|B:2" (or "A|B" for Zipf and uniform lists) into list. */
static void list_build(struct retail_list *list, const char *source, enum list_weighting weighting,
                       bool fold_email_forms)
{
    memset(list, 0, sizeof *list);
    if (source[0] == '\0') return;
    uint32_t total = 0;
    const char *cursor = source;
    for (;;) {
        const char *end = strchr(cursor, '|');
        if (end == NULL) end = cursor + strlen(cursor);
        const char *text_end = end;
        uint32_t weight = 0;
        if (weighting == WEIGHTING_EXPLICIT) {
            const char *colon = end;
            while (colon > cursor && colon[-1] != ':')
                colon--;
            assert(colon > cursor && colon < end && "a weighted entry lacks ':<weight>'");
            for (const char *digit = colon; digit < end; digit++) {
                assert(*digit >= '0' && *digit <= '9');
                weight = weight * 10 + (uint32_t)(*digit - '0');
            }
            text_end = colon - 1;
        } else if (weighting == WEIGHTING_ZIPF) {
            weight = 100000u / (list->count + 2);
        } else {
            weight = 1;
        }
        assert(list->count < RETAIL_LIST_ENTRIES_MAX && "list has too many entries");
        assert(text_end > cursor && (size_t)(text_end - cursor) <= RETAIL_STRING_SIZE_MAX);
        assert(weight > 0);
        struct retail_entry *entry = &list->entries[list->count];
        entry->text = cursor;
        entry->size = (uint8_t)(text_end - cursor);
        for (const char *c = cursor; c < text_end; c++) {
            if (*c == ',' || *c == '"' || *c == '\r' || *c == '\n') entry->needs_quotes = true;
        }
        if (fold_email_forms) entry_fold_email_form(entry);
        total += weight;
        list->cumulative[list->count++] = total;
        if (*end == '\0') break;
        cursor = end + 1;
    }
}

/* Interests: the same names in three lists weighted for female, male and other. */
static void interests_build(struct retail_list interests[3])
{
    for (int gender = 0; gender < 3; gender++)
        memset(&interests[gender], 0, sizeof interests[0]);
    uint32_t totals[3] = {0, 0, 0};
    const char *cursor = interest_source;
    for (;;) {
        const char *end = strchr(cursor, '|');
        if (end == NULL) end = cursor + strlen(cursor);
        const char *name_end = memchr(cursor, ':', (size_t)(end - cursor));
        assert(name_end != NULL);
        uint32_t weights[2] = {0, 0};
        int which = 0;
        for (const char *c = name_end + 1; c < end; c++) {
            if (*c == ':') {
                which++;
                continue;
            }
            assert(*c >= '0' && *c <= '9' && which < 2);
            weights[which] = weights[which] * 10 + (uint32_t)(*c - '0');
        }
        uint32_t by_gender[3] = {weights[0], weights[1], (weights[0] + weights[1]) / 2};
        uint32_t index = interests[0].count;
        assert(index < RETAIL_INTERESTS_MAX);
        for (int gender = 0; gender < 3; gender++) {
            struct retail_entry *entry = &interests[gender].entries[index];
            entry->text = cursor;
            entry->size = (uint8_t)(name_end - cursor);
            assert(by_gender[gender] > 0);
            totals[gender] += by_gender[gender];
            interests[gender].cumulative[index] = totals[gender];
            interests[gender].count = index + 1;
        }
        if (*end == '\0') break;
        cursor = end + 1;
    }
}

static struct retail_tables tables;
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void tables_build(void)
{
    for (int region = 0; region < RETAIL_REGION_COUNT; region++) {
        const struct region_source *source = &region_sources[region];
        list_build(&tables.regions[region].female, source->female, WEIGHTING_EXPLICIT, true);
        list_build(&tables.regions[region].male, source->male, WEIGHTING_EXPLICIT, true);
        list_build(&tables.regions[region].last, source->last, WEIGHTING_EXPLICIT, true);
    }
    size_t country_count = sizeof country_sources / sizeof country_sources[0];
    uint32_t total = 0;
    for (size_t i = 0; i < country_count; i++) {
        const struct country_source *source = &country_sources[i];
        struct retail_country *country = &tables.countries[i];
        assert(strlen(source->code) == 2);
        memcpy(country->code, source->code, 3);
        country->primary_region = source->primary_region;
        country->secondary_region = source->secondary_region;
        country->secondary_per_mille = source->secondary_per_mille;
        size_t calling_code_size = strlen(source->calling_code);
        assert(calling_code_size >= 1 && calling_code_size < sizeof country->calling_code);
        memcpy(country->calling_code, source->calling_code, calling_code_size + 1);
        country->calling_code_size = (uint8_t)calling_code_size;
        country->phone_digits = source->phone_digits;
        list_build(&country->phone_prefixes, source->phone_prefixes, WEIGHTING_UNIFORM, false);
        list_build(&country->cities, source->cities, WEIGHTING_ZIPF, false);
        list_build(&country->local_domains, source->local_domains, WEIGHTING_ZIPF, false);
        assert(country->phone_prefixes.count > 0 && country->cities.count > 0);
        /* The country pick list reuses the code as the entry text. */
        struct retail_entry *entry = &tables.country_pick.entries[i];
        entry->text = source->code;
        entry->size = 2;
        total += source->weight;
        tables.country_pick.cumulative[i] = total;
    }
    tables.country_count = (uint32_t)country_count;
    tables.country_pick.count = (uint32_t)country_count;
    list_build(&tables.global_domains, global_domain_source, WEIGHTING_EXPLICIT, false);
    interests_build(tables.interests);
}

const struct retail_tables *retail_tables_get(void)
{
    int result = pthread_once(&tables_once, tables_build);
    assert(result == 0);
    (void)result;
    return &tables;
}
